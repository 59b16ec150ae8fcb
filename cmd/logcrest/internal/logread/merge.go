package logread

// Running many files at once: one goroutine a file, at most workers
// reading, in any order (ForEach) or in time order per group and merged
// across groups with bounded memory (MergeGroups).

import (
	"container/heap"
	"slices"
	"sync"
	"time"
)

// ForEach runs work on every source, at most workers at once, and returns
// when all are done.
func ForEach(srcs []Source, workers int, work func(i int, s Source)) {
	sem := make(chan struct{}, workers)
	var wg sync.WaitGroup
	for i, s := range srcs {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			work(i, s)
		}()
	}
	wg.Wait()
}

// inOrder runs work on the sources, reading at most cap(sem) at once across
// every caller sharing sem, and calls emit with the results work yields,
// in source order. At most window sources are being read or waiting, each
// holding at most one result not yet emitted besides the one it makes.
func inOrder[T any](srcs []Source, sem chan struct{}, window int, work func(s Source, yield func(T)), emit func(T)) {
	slots := make([]chan T, len(srcs))
	for i := range slots {
		slots[i] = make(chan T, 1)
	}
	tokens := make(chan struct{}, max(window, 1))
	go func() {
		for i, s := range srcs {
			tokens <- struct{}{}
			go func() {
				defer close(slots[i])
				sem <- struct{}{}
				work(s, func(r T) {
					select {
					case slots[i] <- r:
					default:
						// Waiting for its turn, it gives up its place
						// among the readers: the file the merge waits for
						// may be another group's.
						<-sem
						slots[i] <- r
						sem <- struct{}{}
					}
				})
				<-sem
			}()
		}
	}()
	for i := range srcs {
		for r := range slots[i] {
			emit(r)
		}
		<-tokens
	}
}

// A file's items are handed on in batches of at most batchItems items or
// batchBytes of the lines they came from, whichever comes first: what is
// held of a file does not grow with the file (a gzipped backup, read
// whole, can inflate to anything).
const (
	batchItems = 4096
	batchBytes = 1 << 20
)

// Timed is anything with a time to be merged by.
type Timed interface{ When() time.Time }

// MergeGroups emits the items of every group in time order. Each group's
// sources are read in order (oldest file first), each file's items handed
// on in batches sorted by time, and the groups merged; at most workers
// files are read at once and at most 2*(workers+1) batches are held per
// group. work yields each item with the size of the line it came from.
func MergeGroups[T Timed](groups [][]Source, workers int, work func(s Source, yield func(item T, size int)), emit func(T)) {
	byTime := func(a, b T) int { return a.When().Compare(b.When()) }
	sem := make(chan struct{}, workers)
	window := workers + 1
	batched := func(s Source, yield func([]T)) {
		var batch []T
		size := 0
		flush := func() {
			slices.SortStableFunc(batch, byTime)
			yield(batch)
			batch, size = nil, 0
		}
		work(s, func(it T, n int) {
			batch = append(batch, it)
			if size += n; len(batch) >= batchItems || size >= batchBytes {
				flush()
			}
		})
		if len(batch) > 0 {
			flush()
		}
	}
	if len(groups) == 1 {
		inOrder(groups[0], sem, window, batched, func(items []T) {
			for _, it := range items {
				emit(it)
			}
		})
		return
	}
	chans := make([]chan T, len(groups))
	for g, srcs := range groups {
		chans[g] = make(chan T, 256)
		go func() {
			defer close(chans[g])
			inOrder(srcs, sem, max(window/len(groups), 1), batched, func(items []T) {
				for _, it := range items {
					chans[g] <- it
				}
			})
		}()
	}
	h := &mergeHeap[T]{}
	for g, ch := range chans {
		if it, ok := <-ch; ok {
			h.items = append(h.items, headOf[T]{it, g})
		}
	}
	heap.Init(h)
	for h.Len() > 0 {
		top := h.items[0]
		emit(top.item)
		if it, ok := <-chans[top.group]; ok {
			h.items[0] = headOf[T]{it, top.group}
			heap.Fix(h, 0)
		} else {
			heap.Pop(h)
		}
	}
}

type headOf[T Timed] struct {
	item  T
	group int
}

type mergeHeap[T Timed] struct{ items []headOf[T] }

func (h *mergeHeap[T]) Len() int { return len(h.items) }
func (h *mergeHeap[T]) Less(i, j int) bool {
	if c := h.items[i].item.When().Compare(h.items[j].item.When()); c != 0 {
		return c < 0
	}
	return h.items[i].group < h.items[j].group
}
func (h *mergeHeap[T]) Swap(i, j int) { h.items[i], h.items[j] = h.items[j], h.items[i] }
func (h *mergeHeap[T]) Push(x any)    { h.items = append(h.items, x.(headOf[T])) }
func (h *mergeHeap[T]) Pop() any {
	x := h.items[len(h.items)-1]
	h.items = h.items[:len(h.items)-1]
	return x
}

// GroupSources splits sources into groups read in order: one logger's
// files of one stream in one folder.
func GroupSources(srcs []Source) [][]Source {
	var groups [][]Source
	index := map[string]int{}
	for _, s := range srcs {
		k := s.group()
		i, ok := index[k]
		if !ok {
			i = len(groups)
			index[k] = i
			groups = append(groups, nil)
		}
		groups[i] = append(groups[i], s)
	}
	return groups
}
