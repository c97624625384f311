package audit

// publish hands committed events to the mirror, the observers and the live
// subscribers, in commit order. It runs on the writer goroutine.
func (l *Log) publish(st []staged) {
	if w := l.opt.Mirror; w != nil {
		buf := make([]byte, 0, 512*len(st))
		for _, s := range st {
			buf = append(append(buf, s.line...), '\n')
		}
		if _, err := w.Write(buf); err != nil {
			l.log.Error().Err(err).Msg("audit: mirror write failed")
		}
	}
	l.obsMu.RLock()
	obs := l.observers
	l.obsMu.RUnlock()
	for _, s := range st {
		en := Entry{Seq: s.head.Seq, PrevHash: s.prev, Event: s.ev, Hash: s.head.Hash}
		for _, o := range obs {
			l.observe(o, s.ev)
		}
		l.subs.publish(&en, s.line)
	}
}

// observe calls o, containing a panic so one bad observer cannot stop the
// writer.
func (l *Log) observe(o Observer, e Event) {
	defer func() {
		if r := recover(); r != nil {
			l.log.Error().Interface("panic", r).Msg("audit: observer panicked")
		}
	}()
	o.Observe(e)
}
