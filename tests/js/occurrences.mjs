// Mozilla's ical.js reads an ICS file as web calendars built on it do (FullCalendar's iCalendar plugin,
// ical-expander): the file's VTIMEZONEs registered, each series expanded with its EXDATEs and its
// RECURRENCE-ID overrides.  Usage: node occurrences.mjs FILE FROM UNTIL (ISO dates, UNTIL exclusive).
// Prints one JSON array: {summary, start} per occurrence in the window, start as an ISO instant in UTC
// (all-day: the date).
import { readFileSync } from "node:fs";
import ICAL from "ical.js";

const [file, from, until] = process.argv.slice(2);
const calendar = new ICAL.Component(ICAL.parse(readFileSync(file, "utf8")));
for (const vtimezone of calendar.getAllSubcomponents("vtimezone")) {
  ICAL.TimezoneService.register(vtimezone);
}
const events = calendar.getAllSubcomponents("vevent").map((vevent) => new ICAL.Event(vevent));
const series = new Map(events.filter((event) => !event.isRecurrenceException()).map((event) => [event.uid, event]));
for (const event of events.filter((event) => event.isRecurrenceException())) {
  series.get(event.uid).relateException(event);
}
const first = ICAL.Time.fromDateString(from);
const last = ICAL.Time.fromDateString(until);
const shown = (time) => (time.isDate ? time.toString() : time.toJSDate().toISOString());
const found = [];
for (const event of series.values()) {
  const iterator = event.iterator();
  for (let next = iterator.next(); next && next.compare(last) < 0; next = iterator.next()) {
    const occurrence = event.getOccurrenceDetails(next);
    if (occurrence.endDate.compare(first) > 0) {
      found.push({ summary: occurrence.item.summary, start: shown(occurrence.startDate) });
    }
  }
}
process.stdout.write(JSON.stringify(found));
