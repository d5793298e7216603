# Every command once, on a growing arena.  Comments and blank lines are skipped.

new 1K
alloc 100
alloc 24 64 as aligned
alloc 0 1
calloc 3 10 as zeros
str hello, arena   (spaces kept)
fill aligned 0x5a
fill #1 'x'
show aligned
show 1
show zeros
list
# growth: 2 KiB does not fit in the 1 KiB block; a new, bigger block is added
alloc 2K as big
alloc 4096 4096 as page
map
stats
extend 8K
stats
save
alloc 1.5K
restore
reset
trim
stats
quit
list
