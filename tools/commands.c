/*
 * commands.c -- arena-shell's command table: one row per command, in the
 * order 'help' lists them.  The row is the whole of what the rest of the
 * shell knows about a command: its names, its arguments as the usage line
 * writes them and how many there may be, whether it needs an arena, its
 * help, its example, and the executor that runs it.  The dispatcher
 * (dispatch.c) parses, checks and completes from this table alone, so a new
 * command is one row here and one executor.
 */
#include "command.h"

#define ARENA SHELL_CMD_ARENA

/* Each row: name, short form, synonym, arguments (as the usage line writes
 * them), least and most argument words, flags, executor, summary, help,
 * example. */
const shell_cmd_t shell_commands[] = {
    {"new", "n", NULL, "SIZE [fixed|grow] [max SIZE] [name NAME]", 1, 6, 0, shell_run_new,
     "create an arena (replacing the current tree)",
     "Creates an arena whose first block holds SIZE bytes "
     "(0: the library's default, 64 KiB)\n"
     "and makes it the current one; the old arena ends with its children, cleanups and\n"
     "allocations.\n"
     "  fixed     the arena never adds a block by itself: when it is full, allocation\n"
     "            fails until you 'extend' it (or reset/restore)\n"
     "  grow      (default) the arena adds blocks as needed, doubling their size\n"
     "  max SIZE  cap on the memory the arena takes, its bookkeeping and children included\n"
     "  name NAME its name (default: top), for 'use', 'report' and the prompt",
     "new 4K fixed"},
    {"alloc", "a", NULL, "SIZE [ALIGN] [as NAME]", 1, 4, ARENA, shell_run_alloc,
     "allocate SIZE bytes (aligned to ALIGN, a power of two)",
     "Allocates SIZE bytes aligned to ALIGN (default: like malloc, 16 on most machines).\n"
     "Prints the address, the alignment padding the arena skipped, and the block.\n"
     "Unnamed allocations are called #1, #2, ...",
     "alloc 100 64 as buf"},
    {"calloc", "c", NULL, "COUNT SIZE [as NAME]", 2, 4, ARENA, shell_run_calloc,
     "allocate COUNT*SIZE zeroed bytes",
     "Allocates COUNT elements of SIZE bytes, zeroed, at the default alignment.\n"
     "Fails cleanly when COUNT*SIZE overflows.",
     "calloc 10 8"},
    {"realloc", NULL, NULL, "NAME SIZE", 2, 2, ARENA, shell_run_realloc,
     "resize NAME to SIZE bytes (in place when it can)",
     "Resizes the allocation NAME to SIZE bytes (arena_realloc).  The newest allocation\n"
     "grows or shrinks in place when its block has room; otherwise NAME moves to new\n"
     "memory at the default alignment, its first bytes copied, and the old bytes stay\n"
     "behind until a reset or restore.  Not in place across a mark saved after NAME\n"
     "was made: restoring that mark ends the moved NAME.",
     "realloc buf 300"},
    {"str", "s", NULL, "TEXT", 1, SHELL_MAX_ARGS, ARENA | SHELL_CMD_REST, shell_run_str,
     "copy TEXT (the rest of the line) into the arena",
     "Copies TEXT, everything after 'str ', with a terminating NUL (arena_strdup).\n"
     "Strings need no alignment: no padding is skipped.",
     "str hello, arena"},
    {"fill", "f", NULL, "NAME BYTE", 2, 2, ARENA, shell_run_fill,
     "write BYTE into every byte of NAME",
     "Sets every byte of the allocation NAME to BYTE (0..255, 0x41 or 'A').", "fill buf 0x41"},
    {"show", NULL, NULL, "NAME", 1, 1, ARENA, shell_run_show, "hex dump of an allocation",
     "Dumps the bytes of the allocation NAME (like hexdump -C; '*' stands for\n"
     "lines equal to the one above).",
     "show buf"},
    {"extend", "e", NULL, "SIZE", 1, 1, ARENA, shell_run_extend,
     "add a block of SIZE bytes (more memory)",
     "Adds a block of at least SIZE bytes that the arena moves to when the current block\n"
     "is full: the way a fixed arena gets more memory.  Earlier allocations stay put.",
     "extend 8K"},
    {"save", NULL, NULL, "", 0, 0, ARENA, shell_run_save,
     "remember the current position as a numbered mark",
     "Saves the arena's position and prints its number; 'restore' goes back to it.\n"
     "Marks nest: restoring a mark forgets the marks saved after it.",
     "save"},
    {"restore", NULL, NULL, "[MARK]", 0, 1, ARENA, shell_run_restore,
     "end every allocation made since MARK (default: the latest)",
     "Rewinds the arena to MARK: the allocations made since then end, blocks added since\n"
     "then are kept as spares, and the next allocation lands where the first one after\n"
     "the mark did.  The mark stays valid; later marks do not.",
     "restore 1"},
    {"reset", NULL, NULL, "", 0, 0, ARENA, shell_run_reset, "end every allocation, keep the blocks",
     "Ends every allocation and forgets every mark; all blocks are kept for reuse.", "reset"},
    {"trim", NULL, NULL, "", 0, 0, ARENA, shell_run_trim, "give spare blocks back to the system",
     "Frees the arena's spare blocks (those kept by reset, restore or extend).", "trim"},
    {"stats", NULL, NULL, "", 0, 0, ARENA, shell_run_stats, "the arena's counters",
     "Prints used, peak, capacity, blocks, free space and memory taken from the system.", "stats"},
    {"list", "l", NULL, "", 0, 0, ARENA, shell_run_list,
     "live allocations: address, size, alignment, padding, block",
     "Lists the allocations that are still live, oldest first.", "list"},
    {"map", "m", NULL, "", 0, 0, ARENA, shell_run_map, "draw the blocks: data, padding, free space",
     "Draws one bar per block, scaled to the terminal width:\n"
     "  #  data handed out     +  alignment padding     .  free\n"
     "  ~  left behind: the free end of a full block, unused until a reset or restore\n"
     "Colours are used on a terminal unless NO_COLOR is set.",
     "map"},
    {"child", NULL, NULL, "[SIZE] [fixed|grow] [max SIZE] [name NAME]", 0, 6, ARENA,
     shell_run_child, "create a child of the current arena and switch to it",
     "Creates an arena that ends with the current one (arena_create_child) and makes it\n"
     "the current one.  The child ends, its own cleanups and children first, when its\n"
     "parent is reset or destroyed, or restored to a mark saved before the child was made.\n"
     "  SIZE      its first block (0 or left out: 64 KiB), through the parent's backing\n"
     "  fixed, grow, max SIZE   as for 'new'; the parent's cap counts the child's blocks\n"
     "  name NAME its name (default: child1, child2, ...), for 'use' and 'report'\n"
     "The parent keeps a record of the child: a few dozen bytes of the parent.",
     "child 4K name request"},
    {"parent", NULL, NULL, "", 0, 0, ARENA, shell_run_parent,
     "switch to the parent of the current arena",
     "Makes the current arena's parent the current one.  The child lives on ('use NAME'\n"
     "goes back to it) until it or its parent ends.",
     "parent"},
    {"use", NULL, NULL, "NAME", 1, 1, ARENA, shell_run_use, "switch to the arena NAME",
     "Makes the arena NAME (see 'report') the current one: the commands act on it.", "use request"},
    {"destroy", NULL, NULL, "", 0, 0, ARENA, shell_run_destroy,
     "destroy the current child arena and go back to its parent",
     "Destroys the current arena, a child, before its parent ends (arena_destroy): its\n"
     "cleanups run and its children end, newest first; then its parent is the current\n"
     "arena.  The top arena is replaced with 'new' and ends with 'quit'.",
     "destroy"},
    {"defer", NULL, NULL, "TEXT", 1, SHELL_MAX_ARGS, ARENA | SHELL_CMD_REST, shell_run_defer,
     "register a cleanup that prints TEXT when it runs",
     "Registers a cleanup (arena_defer) that prints 'cleanup: TEXT' when the memory the\n"
     "current arena holds now ends: at a reset, a restore to a mark saved before it,\n"
     "its destruction, or its parent's end.  Cleanups and child arenas end together,\n"
     "newest first, like destructors.  The record takes a few dozen bytes of the arena.\n"
     "Quotes around TEXT are dropped; TEXT has at most 200 bytes.",
     "defer \"close file 3\""},
    {"report", NULL, NULL, "", 0, 0, ARENA, shell_run_report,
     "the tree of arenas: used, capacity, peak, blocks, cleanups",
     "Prints the library's report (arena_report) of the top arena: one line per arena,\n"
     "children indented under their parent, newest first, with used, capacity, peak,\n"
     "blocks, bytes lost at the ends of blocks left behind, and cleanups pending.\n"
     "'*' marks the current arena.",
     "report"},
    {"help", "?", NULL, "[COMMAND]", 0, 1, SHELL_CMD_TOPIC, shell_run_help,
     "list the commands, or explain one",
     "Without an argument, lists every command; 'help CMD' explains CMD with an example.",
     "help alloc"},
    {"quit", "q", "exit", "", 0, 0, 0, shell_run_quit,
     "destroy the arenas and leave (also: exit, Ctrl-D)",
     "Destroys the arenas, whose cleanups run, and ends the session.", "quit"},
};

const size_t shell_ncommands = sizeof shell_commands / sizeof shell_commands[0];
