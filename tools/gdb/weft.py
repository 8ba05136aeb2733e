# weft's gdb commands (installed as share/weft/gdb/weft.py; load with `source <path>/weft.py`):
#   weft threads [N]   the simulated threads of the execution running on the selected OS thread,
#                      each with its state, its pending operation and its backtrace (N frames).
# A suspended simulated thread is a Boost.Context fiber: Execution::ctxs_[tid + 1] is the stack
# pointer jump_fcontext saved. On x86-64 SysV (jump_x86_64_sysv_elf_gas.S) that frame holds
# mxcsr/x87 cw at +0x0, r12..r15 at +0x8..+0x20, rbx at +0x28, rbp at +0x30 and the return
# address at +0x38; the fiber resumes with rsp = sp + 0x40. The backtrace is printed by loading
# rip/rsp/rbp into frame 0's registers and restoring them afterwards (a live process only).
import gdb


def _execution():
    """The weft::detail::Execution running on the selected OS thread (a gdb.Value, not a pointer)."""
    try:
        ptr = gdb.parse_and_eval("weft::detail::tl_execution")
        if int(ptr) != 0:
            return ptr.dereference()
    except gdb.error:
        pass
    # Without TLS support: the `this` of an Execution member function on the stack.
    frame = gdb.newest_frame()
    while frame is not None:
        try:
            this = frame.read_var("this")
            if "Execution" in str(this.type.target().strip_typedefs()):
                return this.dereference()
        except (ValueError, gdb.error, RuntimeError):
            pass
        frame = frame.older()
    raise gdb.GdbError("weft: no weft execution runs on this OS thread (stop inside a weft::explore body)")


def _vector(v):
    impl = v["_M_impl"]
    start, finish = impl["_M_start"], impl["_M_finish"]
    return [(start + i).dereference() for i in range(int(finish - start))]


def _loc(loc):
    try:
        f = loc["file"].string()
    except gdb.error:
        f = "?"
    line = int(loc["line"])
    return "%s:%d" % (f, line) if line > 0 else "unknown location"


def _state(t, tid, current):
    if bool(t["finished"]):
        return "finished"
    if tid == current:
        return "running"
    if bool(t["starting"]):
        return "starting"
    return "suspended"


def _op(t):
    return str(t["pending"]).split("::")[-1]


def _backtrace(depth):
    return gdb.execute("bt %d" % depth if depth > 0 else "bt", to_string=True)


def _fiber_backtrace(sp, depth):
    u64 = gdb.lookup_type("unsigned long").pointer()
    rbp = int(gdb.Value(sp + 0x30).cast(u64).dereference())
    rip = int(gdb.Value(sp + 0x38).cast(u64).dereference())
    rsp = sp + 0x40
    gdb.execute("select-frame 0", to_string=True)
    saved = {r: int(gdb.parse_and_eval("$" + r)) for r in ("rip", "rsp", "rbp")}
    try:
        gdb.execute("set $rbp = %d" % rbp, to_string=True)
        gdb.execute("set $rsp = %d" % rsp, to_string=True)
        gdb.execute("set $pc = %d" % rip, to_string=True)
        return _backtrace(depth)
    finally:
        gdb.execute("set $rbp = %d" % saved["rbp"], to_string=True)
        gdb.execute("set $rsp = %d" % saved["rsp"], to_string=True)
        gdb.execute("set $pc = %d" % saved["rip"], to_string=True)


class WeftPrefix(gdb.Command):
    """weft's commands: weft threads [N]."""

    def __init__(self):
        super().__init__("weft", gdb.COMMAND_USER, prefix=True)


class WeftThreads(gdb.Command):
    """List the simulated threads of the running weft execution with their state, pending
    operation and location, and print each one's backtrace (at most N frames when given)."""

    def __init__(self):
        super().__init__("weft threads", gdb.COMMAND_USER)

    def invoke(self, arg, from_tty):
        depth = int(arg) if arg.strip() else 0
        if gdb.selected_inferior().pid == 0:
            raise gdb.GdbError("weft: the program is not running")
        exe = _execution()
        current = int(exe["current_"])
        threads = _vector(exe["threads_"])
        ctxs = _vector(exe["ctxs_"])
        arch = gdb.selected_frame().architecture().name()
        out = "weft: %d simulated thread%s, t%d running\n" % (len(threads), "" if len(threads) == 1 else "s", current)
        for tid, t in enumerate(threads):
            out += "t%d %s pending %s at %s\n" % (tid, _state(t, tid, current), _op(t), _loc(t["pending_loc"]))
        gdb.write(out)
        for tid, t in enumerate(threads):
            state = _state(t, tid, current)
            if state == "finished":
                continue
            gdb.write("--- t%d (%s) ---\n" % (tid, state))
            if tid == current:
                gdb.write(_backtrace(depth))
            elif "x86-64" not in arch:
                gdb.write("(backtraces of suspended threads need x86-64, not %s)\n" % arch)
            else:
                gdb.write(_fiber_backtrace(int(ctxs[tid + 1]), depth))


WeftPrefix()
WeftThreads()
