/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * list.h - the two intrusive lists nat-portd's tables are made of, in the
 * shape of the kernel's <linux/list.h>: an ordered, circular, doubly
 * linked list (oldest first: sweeps and listings walk it) and a hash
 * chain whose nodes know the pointer that points at them, so unlinking
 * is O(1) and needs no walk. The session table (core/session.c) and the
 * SIP call table (sip/dialog.c) embed one of each in their entries.
 */
#ifndef NATPORT_LIST_H
#define NATPORT_LIST_H

#include <stddef.h>

#define natport_container_of(ptr, type, member)                               \
	((type *)(void *)((char *)(ptr) - offsetof(type, member)))

struct natport_list {
	struct natport_list *next, *prev;
};

static inline void natport_list_init(struct natport_list *h)
{
	h->next = h->prev = h;
}

static inline int natport_list_empty(const struct natport_list *h)
{
	return h->next == h;
}

static inline void natport_list_add_tail(struct natport_list *n,
					 struct natport_list *h)
{
	n->prev = h->prev;
	n->next = h;
	h->prev->next = n;
	h->prev = n;
}

static inline void natport_list_del(struct natport_list *n)
{
	n->prev->next = n->next;
	n->next->prev = n->prev;
	n->next = n->prev = n;
}

/* Walk that survives unlinking (or freeing) the current entry. */
#define natport_list_for_each_safe(pos, tmp, head)                           \
	for ((pos) = (head)->next, (tmp) = (pos)->next; (pos) != (head);       \
	     (pos) = (tmp), (tmp) = (pos)->next)

struct natport_hnode {
	struct natport_hnode *next, **pprev;
};

static inline void natport_hnode_add(struct natport_hnode *n,
				     struct natport_hnode **head)
{
	n->next = *head;
	if (n->next)
		n->next->pprev = &n->next;
	*head = n;
	n->pprev = head;
}

static inline void natport_hnode_del(struct natport_hnode *n)
{
	if (!n->pprev)
		return; /* never added, or already unlinked */
	*n->pprev = n->next;
	if (n->next)
		n->next->pprev = n->pprev;
	n->next = NULL;
	n->pprev = NULL;
}

#endif /* NATPORT_LIST_H */
