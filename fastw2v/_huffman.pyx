# cython: language_level=3, boundscheck=False, wraparound=False
"""Compiled kernel of the Huffman tree: merged in a binary heap in heapq's exact order.

``fastw2v.losses.huffman_codes`` checks the arguments and calls :func:`huffman_tree`. The
heap here makes, step for step, the moves of Python's ``heapq`` (``heapify``, then two
``heappop`` and one ``heappush`` per inner node: the same sift loops, the right child taken
when the left is not smaller), so that items of equal count leave it in the order gensim's
heap of count-compared items gives them. The loops run with the GIL released.
"""
from libc.stdint cimport int64_t

import numpy as np


cdef struct Item:
    int64_t count
    int64_t node


cdef inline bint less(Item a, Item b, bint by_index) noexcept nogil:
    """``a < b``: by count alone, or by ``(count, node)`` when ``by_index``."""
    if a.count != b.count:
        return a.count < b.count
    return by_index and a.node < b.node


cdef void sift_down(Item *heap, Py_ssize_t start, Py_ssize_t pos, bint by_index) noexcept nogil:
    """heapq's ``_siftdown``: move ``heap[pos]`` up while it is less than its parent."""
    cdef Item item = heap[pos]
    cdef Py_ssize_t parent
    while pos > start:
        parent = (pos - 1) >> 1
        if not less(item, heap[parent], by_index):
            break
        heap[pos] = heap[parent]
        pos = parent
    heap[pos] = item


cdef void sift_up(Item *heap, Py_ssize_t size, Py_ssize_t pos, bint by_index) noexcept nogil:
    """heapq's ``_siftup``: move the smaller child up to a leaf, then sift the item down."""
    cdef Py_ssize_t start = pos, child
    cdef Item item = heap[pos]
    while pos < size >> 1:
        child = 2 * pos + 1
        if child + 1 < size and not less(heap[child], heap[child + 1], by_index):
            child += 1
        heap[pos] = heap[child]
        pos = child
    heap[pos] = item
    sift_down(heap, start, pos, by_index)


cdef Item pop(Item *heap, Py_ssize_t *size, bint by_index) noexcept nogil:
    """heapq's ``heappop`` (on a heap of at least one item)."""
    size[0] -= 1
    cdef Item last = heap[size[0]], top
    if size[0] == 0:
        return last
    top = heap[0]
    heap[0] = last
    sift_up(heap, size[0], 0, by_index)
    return top


def huffman_tree(const int64_t[::1] counts not None, bint by_index):
    """The Huffman paths of every word, merged as heapq merges the words' counts.

    Parameters
    ----------
    counts : ndarray of int64
        Count of every word (node ``i`` is word ``i``; at least two words). The ``k``-th
        merge makes inner node ``n + k``, row ``k`` of ``syn1``.
    by_index : bool
        Order equal counts by node (as a heap of ``(count, node)`` pairs), else by the
        heap's own order (as gensim's heap of items compared by count alone).

    Returns
    -------
    (ndarray of int64, ndarray of uint8, ndarray of int32)
        ``offsets``, ``codes`` and ``points``, as :func:`fastw2v.losses.huffman_codes`.
    """
    cdef Py_ssize_t n = counts.shape[0], size = n, i, k, position
    cdef int64_t node
    if n < 2:
        raise ValueError("a Huffman tree needs at least two words, got %d" % n)
    heap_array = np.empty((n, 2), dtype=np.int64)
    parent_array = np.empty(2 * n - 1, dtype=np.int64)
    bit_array = np.zeros(2 * n - 1, dtype=np.uint8)
    depth_array = np.zeros(2 * n - 1, dtype=np.int64)
    offsets = np.zeros(n + 1, dtype=np.int64)
    cdef int64_t[:, ::1] heap_view = heap_array
    cdef int64_t[::1] parent = parent_array, depth = depth_array, offset = offsets
    cdef unsigned char[::1] bit = bit_array
    cdef Item *heap = <Item *> &heap_view[0, 0]
    cdef Item a, b
    with nogil:
        for i in range(n):
            heap[i].count = counts[i]
            heap[i].node = i
        for i in range((n >> 1) - 1, -1, -1):  # heapify
            sift_up(heap, n, i, by_index)
        for k in range(n - 1):
            a = pop(heap, &size, by_index)
            b = pop(heap, &size, by_index)
            parent[a.node] = parent[b.node] = n + k
            bit[b.node] = 1
            heap[size].count = a.count + b.count
            heap[size].node = n + k
            size += 1
            sift_down(heap, 0, size - 1, by_index)
        # every node is made after its children: depths from the root down
        for i in range(2 * n - 3, -1, -1):
            depth[i] = depth[parent[i]] + 1
        for i in range(n):
            offset[i + 1] = offset[i] + depth[i]
    codes = np.empty(offsets[n], dtype=np.uint8)
    points = np.empty(offsets[n], dtype=np.int32)
    cdef unsigned char[::1] code = codes
    cdef int[::1] point = points
    with nogil:
        for i in range(n):  # climb from each word, writing its path from the end
            node = i
            for position in range(offset[i + 1] - 1, offset[i] - 1, -1):
                code[position] = bit[node]
                point[position] = <int> (parent[node] - n)
                node = parent[node]
    return offsets, codes, points
