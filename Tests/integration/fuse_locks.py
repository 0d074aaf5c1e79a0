"""POSIX locks between two processes on one file (used by test_fuse.py): the holder's lock refuses a
non-blocking one (EAGAIN), F_GETLK names it, a disjoint range is free, a signal interrupts a blocking wait, and a
blocking lock waits until the holder's close releases it. Prints one line per check."""
import fcntl, os, struct, subprocess, sys, time
p = sys.argv[1]
open(p, 'w').write('x' * 100)
holder = subprocess.Popen([sys.executable, '-c', f'''
import fcntl, time, sys
f = open("{p}", "r+")
fcntl.lockf(f, fcntl.LOCK_EX, 10, 0)
print("held", flush=True)
time.sleep(2.5)
f.close()
'''], stdout=subprocess.PIPE, text=True)
assert holder.stdout.readline().strip() == "held"
f = open(p, 'r+')
try:
    fcntl.lockf(f, fcntl.LOCK_EX | fcntl.LOCK_NB, 10, 0)
    print("nonblocking: got it (wrong)")
except OSError as e:
    print("nonblocking:", e.errno)
# F_GETLK: struct flock {short type, whence; off_t start, len; pid_t pid}
q = struct.pack('hhqqi', fcntl.F_WRLCK, 0, 0, 10, 0)
r = struct.unpack('hhqqi', fcntl.fcntl(f, fcntl.F_GETLK, q + b'\0' * 4)[:28])
print("getlk type", r[0], "start", r[2], "len", r[3])
fcntl.lockf(f, fcntl.LOCK_EX | fcntl.LOCK_NB, 10, 50)   # a disjoint range is free
print("disjoint: ok")
import signal
def alarm(signum, frame):
    raise TimeoutError
signal.signal(signal.SIGALRM, alarm)
signal.setitimer(signal.ITIMER_REAL, 0.3)
try:
    fcntl.lockf(f, fcntl.LOCK_EX, 10, 0)                  # a signal interrupts the wait (INTERRUPT)
    print("interrupted: no")
except TimeoutError:
    print("interrupted: yes")
t = time.monotonic()
fcntl.lockf(f, fcntl.LOCK_EX, 10, 0)                      # waits for the holder's close
print("waited %.1f" % (time.monotonic() - t))
holder.wait(timeout=10)
