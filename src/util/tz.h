/*
** util/tz.h: time zones: named zones read from the system's TZif files
** (/usr/share/zoneinfo, Debian package tzdata; $TZDIR overrides the
** directory) and fixed offsets, with Java's rules for naming zones and for
** resolving local times that fall into gaps or overlaps.
**
** Used by the executor's datetime functions and casts (session time zone,
** from_utc_timestamp, to_utc_timestamp) and by the SQL session (SET TIME ZONE).
**
** Names accepted (java.time.ZoneId.of as Spark calls it, with Spark's
** short-id map and its "+5:30" -> "+05:30" normalisation):
**   Z  UTC  GMT  UT                     offset 0
**   +h  +hh  +hh:mm  +hhmm  +hh:mm:ss   fixed offsets up to +-18:00 (also with a
**                                       UTC / GMT / UT prefix: "GMT+1", "UTC-08:00")
**   Area/City ("America/New_York")      a TZif file under the zoneinfo directory
**   EST MST HST                         fixed -05:00, -07:00, -10:00 (Java SHORT_IDS)
**   PST CST IST JST ... (Java SHORT_IDS) the region they stand for
** Region names are case-sensitive, as in Java; "posix/" and "right/" zones and
** names with "." or ".." components are rejected.
**
** A zone is a sorted list of transitions (UTC instant, offset from then on);
** the POSIX TZ rule in a TZif v2+ footer is expanded into transitions for 400
** years after the last listed one, and instants beyond that are mapped back by
** whole 400-year Gregorian cycles (the calendar and the rule repeat), so every
** instant gets the offset a rule-following Java runtime would give.
**
** Local -> UTC (java.time.ZonedDateTime.of with no preferred offset):
**   gap (clocks jump forward): the local time is moved later by the gap length,
**        i.e. interpreted with the offset before the transition
**   overlap (clocks go back):  the earlier instant (the offset before the transition)
**
** Memory: zones are allocated in the caller's arena and are read-only once
** loaded (shared by threads). Results near the ends of the int64 microsecond
** range saturate instead of overflowing.
*/
#ifndef LAGO_UTIL_TZ_H
#define LAGO_UTIL_TZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/arena.h"
#include "util/status.h"

typedef struct tz_zone tz_zone;

/*
** Loads the zone called name[0..len) (forms above). *out is allocated in ar.
** Errors: LAGO_PARSE "[INVALID_TIMEZONE] The timezone: Mars/Base is invalid..."
** for names that are not zones (including missing files), LAGO_CORRUPT for a
** TZif file that does not parse, LAGO_NOMEM.
*/
int tz_load(arena *ar, const char *name, size_t len, const tz_zone **out, lago_err *err);
/* Parses a TZif image (RFC 8536, versions 1-4) named name; for tests and fuzzing. Errors as tz_load. */
int tz_parse_tzif(arena *ar, const char *name, const uint8_t *data, size_t len, const tz_zone **out, lago_err *err);

/* The zone's name as given (borrowed from z). "UTC" for NULL. */
const char *tz_name(const tz_zone *z);
/* True if z is NULL or has offset 0 at every instant. */
bool tz_is_utc(const tz_zone *z);
/* Offset from UTC in seconds at the UTC instant utc_sec (NULL zone: 0). */
int32_t tz_offset_at(const tz_zone *z, int64_t utc_sec);
/* Wall-clock microseconds in z of the UTC instant us (NULL zone: us). */
int64_t tz_utc_to_local(const tz_zone *z, int64_t us);
/* UTC instant of the wall-clock time local_us in z, gaps and overlaps resolved as Java does. */
int64_t tz_local_to_utc(const tz_zone *z, int64_t local_us);

#endif /* LAGO_UTIL_TZ_H */
