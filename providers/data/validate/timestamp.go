package validate

import "time"

// parseTimestamp reads the timestamp forms a data file may hold, without
// allocating: "2006-01-02", "2006-01-02T15:04:05" (or with a space for the
// T), optionally with fractional seconds, and "Z" or a "+07:00" offset. A
// timestamp without an offset is UTC. It returns nanoseconds since the Unix
// epoch.
func parseTimestamp(s string) (int64, bool) {
	if len(s) < 10 || s[4] != '-' || s[7] != '-' {
		return 0, false
	}
	year, ok1 := digits(s[0:4])
	month, ok2 := digits(s[5:7])
	day, ok3 := digits(s[8:10])
	if !ok1 || !ok2 || !ok3 || month < 1 || month > 12 || day < 1 || day > daysIn(month, year) {
		return 0, false
	}
	var hour, minute, sec, nsec int
	offset := 0
	rest := s[10:]
	if len(rest) > 0 {
		if len(rest) < 9 || (rest[0] != 'T' && rest[0] != 't' && rest[0] != ' ') || rest[3] != ':' || rest[6] != ':' {
			return 0, false
		}
		var okh, okm, oks bool
		hour, okh = digits(rest[1:3])
		minute, okm = digits(rest[4:6])
		sec, oks = digits(rest[7:9])
		if !okh || !okm || !oks || hour > 23 || minute > 59 || sec > 59 {
			return 0, false
		}
		rest = rest[9:]
		if len(rest) > 0 && rest[0] == '.' {
			i := 1
			scale := 100_000_000
			for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
				if scale > 0 {
					nsec += int(rest[i]-'0') * scale
					scale /= 10
				}
				i++
			}
			if i == 1 {
				return 0, false
			}
			rest = rest[i:]
		}
		switch {
		case rest == "" || rest == "Z" || rest == "z":
		case len(rest) == 6 && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':':
			oh, okoh := digits(rest[1:3])
			om, okom := digits(rest[4:6])
			if !okoh || !okom || oh > 23 || om > 59 {
				return 0, false
			}
			offset = (oh*60 + om) * 60
			if rest[0] == '-' {
				offset = -offset
			}
		default:
			return 0, false
		}
	}
	t := time.Date(year, time.Month(month), day, hour, minute, sec, nsec, time.UTC)
	return t.UnixNano() - int64(offset)*1e9, true
}

func digits(s string) (int, bool) {
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

func daysIn(month, year int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}
