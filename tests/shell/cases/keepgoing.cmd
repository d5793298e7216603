new 1K
alloc 10
alloc 1 3
alloc 20
