"""wuye plugin `fees`: property fees, subsidies and their public disclosure (物业费、补贴与公示)."""
