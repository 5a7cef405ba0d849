/* SPDX-License-Identifier: GPL-2.0-or-later */
/* unit_main.h - run one Check suite and exit 0 only if every test passed. */
#ifndef NATPORT_UNIT_MAIN_H
#define NATPORT_UNIT_MAIN_H

#include <check.h>

static inline int unit_run(Suite *s)
{
	SRunner *sr = srunner_create(s);
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}

#endif
