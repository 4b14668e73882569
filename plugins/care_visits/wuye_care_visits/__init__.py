"""The wuye plugin `care_visits`."""
