package validate

// parseTimestamp reads the timestamp forms a data file may hold, without
// allocating: "2006-01-02", "2006-01-02T15:04:05" (or with a space for the
// T), optionally with fractional seconds, and "Z" or a "+07:00" offset. A
// timestamp without an offset is UTC. It returns nanoseconds since the Unix
// epoch.
func parseTimestamp(s string) (int64, bool) {
	var m dayMemo
	return m.parse(s)
}

// dayMemo remembers the last date a column's timestamps had and its day
// number: timestamps in a file mostly follow each other, and comparing ten
// bytes costs less than reading and checking a date again.
type dayMemo struct {
	date [10]byte
	days int64
	ok   bool
}

// parse is parseTimestamp, through the memo.
func (m *dayMemo) parse(s string) (int64, bool) {
	if len(s) < 10 || s[4] != '-' || s[7] != '-' {
		return 0, false
	}
	var days int64
	if m.ok && string(m.date[:]) == s[:10] {
		days = m.days
	} else {
		year, ok1 := digits(s[0:4])
		month, ok2 := digits(s[5:7])
		day, ok3 := digits(s[8:10])
		if !ok1 || !ok2 || !ok3 || month < 1 || month > 12 || day < 1 || day > daysIn(month, year) {
			return 0, false
		}
		days = daysFromCivil(year, month, day)
		copy(m.date[:], s[:10])
		m.days, m.ok = days, true
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
	secs := days*86400 + int64(hour*3600+minute*60+sec) - int64(offset)
	return secs*1e9 + int64(nsec), true
}

// daysFromCivil is the number of days from 1970-01-01 to a proleptic
// Gregorian date (Howard Hinnant's algorithm), without time.Date's
// normalization and time zone lookup.
func daysFromCivil(y, m, d int) int64 {
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era--
	}
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return int64(era)*146097 + int64(doe) - 719468
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
