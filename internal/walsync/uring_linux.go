package walsync

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// A sync through io_uring does not hold the process's processor while
// the disk works.
//
// fdatasync(2) is a blocking system call: the goroutine's thread keeps
// its P (Go's right to run Go code) until the runtime's monitor notices
// the call has lasted a tick (20 µs at best, usually 50-100 µs with the
// kernel's timer slack) and hands the P to another thread. With
// GOMAXPROCS=1 (a one-CPU container sets it so) no request runs in
// that gap: on the durable paths, one sync per one or two commits,
// lkbench measured the server 61-63% busy for revocations and 85% for
// code exchanges while every request waited on CPU (session 10: with
// GOMAXPROCS=2 on the same single core, 80% and 94%, revocations 3,141-
// 3,299/s against 2,026-2,040/s).
//
// Here the sync is an IORING_OP_FSYNC (IORING_FSYNC_DATASYNC, the same
// call in the kernel) that the kernel runs on one of its io-wq worker
// threads; its completion is signalled on an eventfd that Go's netpoller
// waits on, as it waits on a socket. The goroutine parks without a
// thread or a P. Where io_uring is missing or refused (old kernels,
// seccomp profiles, kernel.io_uring_disabled), datasync calls
// fdatasync(2) itself, as before.
type ring struct {
	fd int
	ev *os.File // eventfd registered with the ring; pollable

	sqHead, sqTail, sqMask *uint32
	sqArray                []uint32
	sqes                   []sqe
	cqHead, cqTail, cqMask *uint32
	cqes                   []cqe

	slots     chan struct{} // bounds operations in flight to the SQ's size
	submitted atomic.Uint64 // syncs the kernel took (tests)

	mu      sync.Mutex // guards the SQ tail, the CQ head and waiters
	next    uint64
	waiters map[uint64]chan int32
	broken  error // set when the eventfd fails; waiters get it
}

// sqe is struct io_uring_sqe (64 bytes).
type sqe struct {
	opcode     uint8
	flags      uint8
	ioprio     uint16
	fd         int32
	off        uint64
	addr       uint64
	len        uint32
	fsyncFlags uint32
	userData   uint64
	bufIndex   uint16
	personal   uint16
	spliceFdIn int32
	addr3      uint64
	pad        uint64
}

// cqe is struct io_uring_cqe (16 bytes, no IORING_SETUP_CQE32).
type cqe struct {
	userData uint64
	res      int32
	flags    uint32
}

// params is struct io_uring_params.
type params struct {
	sqEntries, cqEntries, flags, sqThreadCPU, sqThreadIdle, features, wqFD uint32
	resv                                                                   [3]uint32
	sqOff                                                                  struct {
		head, tail, ringMask, ringEntries, flags, dropped, array, resv1 uint32
		userAddr                                                        uint64
	}
	cqOff struct {
		head, tail, ringMask, ringEntries, overflow, cqes, flags, resv1 uint32
		userAddr                                                        uint64
	}
}

const (
	opFsync         = 3      // IORING_OP_FSYNC
	fsyncDatasync   = 1      // IORING_FSYNC_DATASYNC
	featSingleMmap  = 1 << 0 // IORING_FEAT_SINGLE_MMAP (5.4)
	offSQRing       = 0      // IORING_OFF_SQ_RING
	offSQEs         = 0x10000000
	registerEventfd = 4 // IORING_REGISTER_EVENTFD
	ringEntries     = 32
)

var (
	sharedOnce sync.Once
	shared     *ring
	sharedErr  error // why shared is nil (tests)
)

// sharedRing returns the process's ring, set up on first use; nil when
// io_uring cannot be used here.
func sharedRing() *ring {
	sharedOnce.Do(func() { shared, sharedErr = newRing(ringEntries) })
	return shared
}

// newRing sets up a ring of n submission entries with its eventfd and
// starts the goroutine that hands completions to their waiters.
func newRing(n uint32) (*ring, error) {
	if unsafe.Sizeof(sqe{}) != 64 || unsafe.Sizeof(cqe{}) != 16 || unsafe.Sizeof(params{}) != 120 {
		return nil, errors.New("walsync: io_uring structures of the wrong size")
	}
	var p params
	fd, _, errno := unix.Syscall(unix.SYS_IO_URING_SETUP, uintptr(n), uintptr(unsafe.Pointer(&p)), 0)
	if errno != 0 {
		return nil, fmt.Errorf("io_uring_setup: %w", errno)
	}
	r := &ring{fd: int(fd), waiters: make(map[uint64]chan int32), slots: make(chan struct{}, p.sqEntries)}
	if err := r.setup(&p); err != nil {
		_ = unix.Close(r.fd)
		return nil, err
	}
	go r.reap()
	return r, nil
}

// setup maps the rings and registers the eventfd. Its maps and
// descriptors live as long as the process, as the ring does.
func (r *ring) setup(p *params) error {
	unix.CloseOnExec(r.fd)
	if p.features&featSingleMmap == 0 {
		return errors.New("io_uring: kernel older than 5.4 (no single mmap)")
	}
	size := max(uintptr(p.sqOff.array)+uintptr(p.sqEntries)*4, uintptr(p.cqOff.cqes)+uintptr(p.cqEntries)*unsafe.Sizeof(cqe{}))
	rings, err := unix.Mmap(r.fd, offSQRing, int(size), unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED|unix.MAP_POPULATE)
	if err != nil {
		return fmt.Errorf("io_uring: mmap rings: %w", err)
	}
	sqes, err := unix.Mmap(r.fd, offSQEs, int(uintptr(p.sqEntries)*unsafe.Sizeof(sqe{})), unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED|unix.MAP_POPULATE)
	if err != nil {
		_ = unix.Munmap(rings)
		return fmt.Errorf("io_uring: mmap entries: %w", err)
	}
	base := unsafe.Pointer(&rings[0])
	at := func(off uint32) *uint32 { return (*uint32)(unsafe.Add(base, off)) }
	r.sqHead, r.sqTail, r.sqMask = at(p.sqOff.head), at(p.sqOff.tail), at(p.sqOff.ringMask)
	r.sqArray = unsafe.Slice(at(p.sqOff.array), p.sqEntries)
	r.sqes = unsafe.Slice((*sqe)(unsafe.Pointer(&sqes[0])), p.sqEntries)
	r.cqHead, r.cqTail, r.cqMask = at(p.cqOff.head), at(p.cqOff.tail), at(p.cqOff.ringMask)
	r.cqes = unsafe.Slice((*cqe)(unsafe.Add(base, p.cqOff.cqes)), p.cqEntries)

	efd, err := unix.Eventfd(0, unix.EFD_CLOEXEC|unix.EFD_NONBLOCK)
	if err != nil {
		return fmt.Errorf("io_uring: eventfd: %w", err)
	}
	e := int32(efd)
	if _, _, errno := unix.Syscall6(unix.SYS_IO_URING_REGISTER, uintptr(r.fd), registerEventfd, uintptr(unsafe.Pointer(&e)), 1, 0, 0); errno != 0 {
		_ = unix.Close(efd)
		return fmt.Errorf("io_uring_register eventfd: %w", errno)
	}
	// Non-blocking, so os.NewFile gives it to the netpoller.
	r.ev = os.NewFile(uintptr(efd), "io_uring eventfd")
	return nil
}

// errNotSubmitted is a submission the kernel refused: nothing of it ran.
var errNotSubmitted = errors.New("io_uring: not submitted")

// datasync runs fdatasync(2) of f on the ring and waits for its end.
// errNotSubmitted means it did not run, and the caller may run it itself.
func (r *ring) datasync(f *os.File) error {
	r.slots <- struct{}{}
	defer func() { <-r.slots }()
	done := make(chan int32, 1)
	r.mu.Lock()
	if r.broken != nil {
		r.mu.Unlock()
		return errNotSubmitted
	}
	r.next++
	id := r.next
	tail := atomic.LoadUint32(r.sqTail)
	i := tail & *r.sqMask
	r.sqes[i] = sqe{opcode: opFsync, fd: int32(f.Fd()), fsyncFlags: fsyncDatasync, userData: id}
	r.sqArray[i] = i
	atomic.StoreUint32(r.sqTail, tail+1)
	r.waiters[id] = done
	for {
		n, _, errno := unix.Syscall6(unix.SYS_IO_URING_ENTER, uintptr(r.fd), 1, 0, 0, 0, 0)
		if errno == syscall.EINTR {
			continue
		}
		if errno != 0 || n != 1 {
			// The kernel took nothing (it reads the tail only in
			// io_uring_enter, and no other submitter runs without mu).
			atomic.StoreUint32(r.sqTail, tail)
			delete(r.waiters, id)
			r.mu.Unlock()
			return errNotSubmitted
		}
		break
	}
	r.mu.Unlock()
	r.submitted.Add(1)
	res := <-done
	runtime.KeepAlive(f) // its descriptor is the kernel's to sync until now
	if res == resBroken {
		// The completion was never read: the sync ran or runs, but
		// its result is unknown. Not durable as far as we know.
		return fmt.Errorf("io_uring: %w", r.brokenErr())
	}
	if res < 0 {
		return syscall.Errno(-res)
	}
	return nil
}

// resBroken is what a waiter receives when the ring failed before its
// completion could be read (no errno is this large).
const resBroken = -(1 << 30)

func (r *ring) brokenErr() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.broken
}

// reap hands each completion to its waiter. It waits on the eventfd
// through the netpoller: no thread waits while nothing completes.
func (r *ring) reap() {
	var b [8]byte
	for {
		if _, err := r.ev.Read(b[:]); err != nil {
			r.mu.Lock()
			r.broken = err
			for id, w := range r.waiters {
				w <- resBroken
				delete(r.waiters, id)
			}
			r.mu.Unlock()
			return
		}
		r.mu.Lock()
		head, tail := atomic.LoadUint32(r.cqHead), atomic.LoadUint32(r.cqTail)
		for ; head != tail; head++ {
			c := r.cqes[head&*r.cqMask]
			if w, ok := r.waiters[c.userData]; ok {
				delete(r.waiters, c.userData)
				w <- c.res
			}
		}
		atomic.StoreUint32(r.cqHead, head)
		r.mu.Unlock()
	}
}
