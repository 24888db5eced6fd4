"""Fuzz every fastw2v loader for a few minutes each, every input in a subprocess (``make fuzz``).

The targets, seeds and mutations are ``tests/fuzz_targets.py``'s. Each input is loaded, then
trained or queried, in a child process forked for it. A crash is a child that dies by a
signal, runs past ``--timeout`` seconds, grows past ``--max-rss-mb`` of memory, or raises
anything but a ValueError naming the file. Crashing inputs are saved to ``--crash-dir``
(``<target>-<sha1>.<suffix>``, with the reason in a ``.txt`` beside it). One summary line per
target; the exit status is 1 if anything crashed. POSIX only (``os.fork``).

Usage: ``python tools/fuzz.py [--minutes 1] [--targets model,phrases] [--seed 0]``; to see
what a saved input does, ``python tools/fuzz.py --targets model --replay FILE``.
"""
import argparse
import hashlib
import os
import random
import resource
import signal
import sys
import tempfile
import time
import traceback

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests"))

from fuzz_targets import TARGETS, mutate  # noqa: E402

BAD_INPUT = 3  # exit status of a child whose input raised an unexpected error


def run_child(target, data, directory, report_path, max_bytes):
    """In the forked child: run ``target`` on ``data``; never returns."""
    status = 0
    try:
        resource.setrlimit(resource.RLIMIT_AS, (max_bytes, max_bytes))
        quiet = os.open(os.devnull, os.O_WRONLY)  # numpy warnings and logged warnings
        os.dup2(quiet, 1)
        os.dup2(quiet, 2)
        target.run(data, directory)
    except BaseException:  # everything the target was not expected to raise
        with open(report_path, "w") as report:
            report.write(traceback.format_exc())
        status = BAD_INPUT
    os._exit(status)


def check(target, data, directory, timeout, max_rss_kb, max_bytes):
    """Run one input in a child process: None if it passed, else the reason it crashed."""
    report_path = os.path.join(directory, "report.txt")
    if os.path.exists(report_path):
        os.unlink(report_path)
    pid = os.fork()
    if pid == 0:
        run_child(target, data, directory, report_path, max_bytes)
    deadline = time.monotonic() + timeout
    while True:
        done, status, usage = os.wait4(pid, os.WNOHANG)
        if done:
            break
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            os.wait4(pid, 0)
            return "hang: still running after %g s" % timeout
        time.sleep(0.002)
    if os.WIFSIGNALED(status):
        return "killed by signal %s" % signal.Signals(os.WTERMSIG(status)).name
    if os.WEXITSTATUS(status) == BAD_INPUT:
        with open(report_path) as report:
            return "unexpected error:\n" + report.read()
    if os.WEXITSTATUS(status):
        return "exit status %d" % os.WEXITSTATUS(status)
    if usage.ru_maxrss > max_rss_kb:
        return "memory: peak RSS %d MB" % (usage.ru_maxrss // 1024)
    return None


def fuzz(target, seconds, rng, args):
    """Fuzz one target for ``seconds``; returns (inputs tried, crashes)."""
    seeds = target.seeds  # made before forking: the children share them
    base_rss_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    max_rss_kb = base_rss_kb + args.max_rss_mb * 1024
    max_bytes = args.max_address_gb << 30
    tried = crashes = 0
    end = time.monotonic() + seconds
    with tempfile.TemporaryDirectory() as directory:
        while time.monotonic() < end:
            data = mutate(target, rng.choice(seeds), rng)
            tried += 1
            reason = check(target, data, directory, args.timeout, max_rss_kb, max_bytes)
            if reason is not None:
                crashes += 1
                save_crash(args.crash_dir, target, data, reason)
    return tried, crashes


def save_crash(crash_dir, target, data, reason):
    os.makedirs(crash_dir, exist_ok=True)
    stem = os.path.join(crash_dir, "%s-%s" % (target.name, hashlib.sha1(data).hexdigest()[:16]))
    with open(stem + target.suffix, "wb") as fout:
        fout.write(data)
    with open(stem + ".txt", "w") as fout:
        fout.write(reason)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--minutes", type=float, default=1.0, help="per target (default 1)")
    parser.add_argument("--targets", default=",".join(TARGETS),
                        help="comma-separated, of: %s" % ", ".join(TARGETS))
    parser.add_argument("--seed", type=int, default=None, help="random seed (default: random)")
    parser.add_argument("--timeout", type=float, default=20.0,
                        help="seconds one input may take (default 20)")
    parser.add_argument("--max-rss-mb", type=int, default=512,
                        help="memory one input may add to the fuzzer's (default 512 MB)")
    parser.add_argument("--max-address-gb", type=int, default=16,
                        help="address space limit of each child (default 16 GB)")
    parser.add_argument("--crash-dir", default="fuzz-crashes",
                        help="where crashing inputs are saved (default fuzz-crashes)")
    parser.add_argument("--replay", metavar="FILE",
                        help="run one input in this process (one target) and show what it does")
    args = parser.parse_args(argv)
    names = args.targets.split(",")
    unknown = [name for name in names if name not in TARGETS]
    if unknown:
        parser.error("unknown target %r; targets: %s" % (unknown[0], ", ".join(TARGETS)))
    if args.replay:
        if len(names) != 1:
            parser.error("--replay needs one target (--targets NAME)")
        with open(args.replay, "rb") as fin, tempfile.TemporaryDirectory() as directory:
            print(TARGETS[names[0]].run(fin.read(), directory))
        return 0
    seed = args.seed if args.seed is not None else random.randrange(2**32)
    print("fuzzing %s for %g min each, seed %d" % (", ".join(names), args.minutes, seed),
          flush=True)
    total = 0
    for name in names:
        tried, crashes = fuzz(TARGETS[name], args.minutes * 60, random.Random(seed), args)
        total += crashes
        print("%-16s %7d inputs tried, %d crashes" % (name, tried, crashes), flush=True)
    if total:
        print("%d crashing inputs saved in %s/" % (total, args.crash_dir))
    return 1 if total else 0


if __name__ == "__main__":
    sys.exit(main())
