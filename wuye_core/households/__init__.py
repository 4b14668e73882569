"""The housing register: communities (社区), sites (小区/村湾), buildings (楼栋), units (房号),
households (住户) and residents (居民)."""
