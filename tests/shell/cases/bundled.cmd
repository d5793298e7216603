# Short options bundle (-er: stop at the first error, relative addresses).
new 1K
alloc 16
alloc 1 3
alloc 32
