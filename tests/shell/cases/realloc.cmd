# realloc: in place for the newest allocation when its block has room,
# otherwise new memory (default alignment) with the first bytes copied.
new 1K fixed
alloc 100 as buf
fill buf 0x41
realloc buf 300
realloc buf 40
show buf
alloc 16 as x
# buf is no longer the newest: a shrink keeps it where it is
realloc buf 32
show buf
list
# a mark saved after the newest allocation keeps it from changing in
# place: a shrink keeps the pointer, a grow moves it, and restoring the
# mark ends the moved one
alloc 48 as buf2
save
realloc buf2 16
realloc buf2 64
list
restore
list
# an aligned allocation that moves gets the default alignment
alloc 64 256 as line
alloc 8 as y
realloc line 80
# too big for what is left of a fixed arena (in a script: an error)
realloc y 2K
extend 4K
realloc y 2K
map
# mistakes
realloc nosuch 1
realloc y
realloc y 1 2
realloc y lots
realloc y @PTRDIFF_MAX+1@
# a growing arena adds a block for it
new 64
alloc 10 as g
alloc 40
realloc g 3000
list
