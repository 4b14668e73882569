"""wuye plugin `volunteers`: the residents' service alliance (居民服务联盟) and volunteer service records."""
