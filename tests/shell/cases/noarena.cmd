# Before 'new' there is no arena; commands that need one say so.
list
alloc 1
stats
map
save
restore
reset
extend 1K
help save
child
parent
use top
destroy
defer x
report
