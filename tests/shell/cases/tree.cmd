# A tree of arenas: children end with their parent, and cleanups and
# children end together, newest first; the shell forgets what ended.
new 4K name conn
alloc 100 as hdr
defer "close the connection"
child 1K name req
alloc 64 as row
alloc 32 64
defer "close file 3"
child
alloc 10
defer in the grandchild
report
parent
stats
parent
list
defer   "flush the log"  
report
stats
# Each arena has its own allocations and names.
use req
list
fill row 0x41
show row
alloc 8 as hdr
realloc hdr 500
use child1
map
list
# A restore ends the children made after its mark, and their cleanups.
use conn
save
child 512 fixed name late
defer late
alloc 100
use conn
restore
report
# A child destroyed early: its cleanups and children end, then its parent
# is the current arena.
use req
destroy
report
# reset ends the rest, newest first.
child 2K name again
defer "again's cleanup"
parent
reset
report
# A child of a capped arena counts against the cap; one at the top level.
new 64K max 200K name capped
child 64K
child 32K max 40K name inner
alloc 20K
report
# 'new' replaces the whole tree: its cleanups run, its children end.
defer "last one"
new 1K
report
# quit ends what is left.
child
defer "at quit"
defer "escaped	bytes"
parent
defer "the top's, registered last"
quit
