# A growing arena under a cap: blocks are added until max is reached.
new 1K max 6K
alloc 1K
alloc 2K
alloc 1K
alloc 4K
stats
map
