# Every error message; the state stays intact after each.
alloc 10
frobnicate
res
new
new 4K fixed grow
new 4K max
new 4K max 0
new 4K max 1K max 2K
new 4K sideways
new 64K max 1K
new 16M
new 4K fixed
alloc
alloc abc
alloc -5
alloc 12abc
alloc 99999999999999999999999
alloc 0x1ffffffffffffffff
alloc 1.3
alloc 1.0000001K
alloc 17179869184G
alloc 1 3
alloc 1 0
alloc 1 -8
alloc 1 8 as
alloc 1 8 as 9lives
alloc 1 8 as a-name-that-is-much-too-long-for-the-shell
alloc 1 as x
alloc 1 as x
alloc 1 8 as y extra
alloc @PTRDIFF_MAX+1@
alloc @SIZE_MAX@
alloc @SIZE_MAX+1@
alloc 5K
calloc
calloc 3
calloc @PTRDIFF_MAX+1@ 2
calloc 2 3 4
str
fill
fill x
fill nosuch 1
fill x 256
fill x zz
show
show nosuch
show x y
extend
extend 0
extend 16M
extend @PTRDIFF_MAX+1@
extend 4K 4K
save 1
restore
restore 7
save
save
restore 1
restore 2
restore abc
reset now
stats all
list -l
map big
help nosuch
help a b
quit now
a 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18
list
save
save
restore 9
