/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * maptable.h - the live mappings: slots indexed by id, hashed by internal
 * endpoint.
 *
 * The id is the slot index (1..cap-1; 0 means none) and travels in the ct
 * mark (tag + id, natport.h), so a DESTROY event leads straight to its
 * mapping. Freed ids come first, FIFO, so a freed id waits for every
 * other freed one; ids never used only when none is free (a cursor: the
 * slot array is calloc'd for the capacity, and only the pages of the
 * highest load reached are touched, however many mappings come and go).
 * A late event of an old mapping can meet a new one with its id: the port
 * manager compares the entry's tuple with the slot's (on_destroy), and
 * under quarantine the new mapping's port is not the old one's. All O(1).
 * Not thread-safe.
 */
#ifndef NATPORT_MAPTABLE_H
#define NATPORT_MAPTABLE_H

#include <stdint.h>

#include <natport/natport.h>

/* Ids the default tag can carry (natport_ct_mark_max_id()). */
#define NATPORT_MAX_ID 0x00afffffu

struct natport_map_slot {
	struct natport_mapping m; /* what callers see */
	uint32_t pair;            /* port pair and half it uses */
	uint8_t half;
	uint8_t live;
	uint8_t installed;        /* kernel entry present for m.remote */
	uint8_t unclaimed;        /* adopted at open, not claimed yet */
	uint32_t hnext;           /* hash chain, or free list link */
	uint32_t scan_gen;        /* scan that saw (or made) its entry */
	uint32_t restores;        /* re-creations in the current window */
	/* the entry's counters at the last scan: whether it moves since,
	 * and what it adds to the handle's sums (natport_pm_stats.kernel);
	 * packets mod 2^32, enough to tell a change between two scans */
	uint32_t last_pkts_in;
	uint64_t restore_window_ms;
	uint64_t last_bytes_in, last_bytes_out;
	/* hairpin (two LAN clients through the router's WAN address): the
	 * other mapping's internal and external endpoints when this one's
	 * entry carries both (its kernel remote is hp_internal, SNAT'd to
	 * hp_external), or carried_by: the mapping whose entry carries
	 * this one's media (then installed stays 0) */
	struct natport_endpoint hp_internal, hp_external;
	uint32_t carried_by;
	uint32_t last_pkts_out;
};

struct natport_maptable {
	struct natport_map_slot *slots;
	uint32_t cap;
	uint32_t *buckets;
	uint32_t mask;
	uint32_t fresh;           /* ids >= fresh were never used */
	uint32_t free_head, free_tail;
	uint32_t count;
};

/* Room for max_mappings (at most NATPORT_MAX_ID here; the port manager
 * passes what its tag allows). */
int natport_maptable_init(struct natport_maptable *mt, uint32_t max_mappings);
void natport_maptable_uninit(struct natport_maptable *mt);
/* A fresh slot with its id set, or NULL when all ids are used. */
struct natport_map_slot *natport_maptable_alloc(struct natport_maptable *mt);
/* The slot of a given id (adoption after a restart: the id is the one
 * the entry's mark carries), or NULL when it is live or out of range.
 * Cheap for ids at or above the cursor (call in ascending id order);
 * an id below it is unlinked from the free list by a walk. */
struct natport_map_slot *natport_maptable_alloc_id(struct natport_maptable *mt,
						   uint32_t id);
/* Make a filled-in slot findable by its internal endpoint. */
void natport_maptable_insert(struct natport_maptable *mt,
			     struct natport_map_slot *s);
void natport_maptable_free(struct natport_maptable *mt,
			   struct natport_map_slot *s);
struct natport_map_slot *
natport_maptable_find(const struct natport_maptable *mt,
		      const struct natport_endpoint *internal);
struct natport_map_slot *natport_maptable_get(const struct natport_maptable *mt,
					      uint32_t id);

#endif /* NATPORT_MAPTABLE_H */
