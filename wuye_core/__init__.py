"""wuye (物业): a hosted, multi-tenant platform for Chinese property services."""

__version__ = "0.1.0"
