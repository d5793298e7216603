# A full fixed arena says exactly how many bytes were asked for and how many
# are free (4096 and 4080 both round to 4.0 KiB), and says so when the
# padding an alignment needs is what does not fit.
new 4K fixed
alloc 16
alloc 4K
alloc 1520
# 2560 bytes free at offset 1536: 100 bytes fit, but not after the 2560
# bytes of padding that alignment 4096 needs
alloc 100 4096
# 2100 bytes fit in 2560, but not after 512 bytes of padding to 2048
alloc 2100 2048
alloc 3000
calloc 200 16
alloc 2000 2048
str this string does not fit: the block has 48 bytes left
map
