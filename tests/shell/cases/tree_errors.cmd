# Every error of the tree commands; the state stays intact after each.
child
parent
use top
destroy
defer x
report
new 4K name
new 4K name 9lives
new 4K name name-of-thirty-two-characters-xx
new 4K name a name b
new 4K grow name top max 8K
child abc
child 4K fixed grow
child max
child max 0
child max 1K max 2K
child name
child name .dot
child name top
child name name-of-thirty-two-characters-xx
child sideways
child 4K 4K
child 1 fixed max 1K name a b
# A child's first block comes with its first allocation: the cap above
# refuses that, not the child.
child 16M name huge
alloc 8K
destroy
child 64K max 1K
parent
parent now
use
use nosuch
use top now
destroy
destroy now
defer
defer ""
defer "   "
defer xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx
defer yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy
report all
# The cap of the top arena holds its children's blocks too.
child 4K name four
alloc 8K
destroy
child 1K name small
alloc 4K
show hdr
use top
alloc 100 as hdr
use small
show hdr
parent
# A fixed arena with no room left for a record.
new 256 fixed name full
alloc 256
child
defer "no room"
# A growing arena whose next block would pass the shell's limit.
new 6M name big
alloc 6M
child
defer "no room"
# A child whose first block would pass it.
new 1M name kids
child 8M
alloc 1
report
