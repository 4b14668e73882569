"""The wuye plugin `legacy`."""
