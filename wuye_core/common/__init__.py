"""Small building blocks shared by every domain package (schemas, paging, encryption)."""
