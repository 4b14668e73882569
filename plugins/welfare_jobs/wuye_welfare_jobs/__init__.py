"""wuye plugin `welfare_jobs`: the landless-farmer public-welfare job roster (失地农民公益岗位)."""
