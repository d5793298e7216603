# Sizes as people write them (K, M, G, T are powers of 1024).
new 0x10000
alloc 4096
alloc 0x1000
alloc 4K
alloc 4KiB
alloc 4kb
alloc 1.5K
alloc .5K
alloc 100B
alloc 007
alloc 1 4K
alloc 1 0x400
new 1.5M fixed max 2M
new 1G grow
alloc 0.25M
list
