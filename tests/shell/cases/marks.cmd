# save/restore nest; reset forgets all marks; restore keeps the mark itself.
new 256 fixed
alloc 16 as a
save
alloc 16 as b
save
alloc 16 as c
list
restore 2
list
restore 2
alloc 32 as d
save
restore 1
list
restore 3
restore 2
save
alloc 16 as e
reset
restore
list
# a full fixed arena: more memory by hand, then the marks span two blocks
alloc 200 as f
save
alloc 100 as g
extend 1K
alloc 100 as g
alloc 16 as h
map
restore 5
map
list
trim
stats
