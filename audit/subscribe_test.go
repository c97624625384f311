package audit

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestSubscribeFiltered(t *testing.T) {
	l := openMem(t, Options{})
	ctx, stop := context.WithCancel(context.Background())
	ch, cancel, err := l.Subscribe(ctx, Filter{Types: []Type{LoginFailed}, Expr: `details.n>=5`})
	if err != nil {
		t.Fatal(err)
	}
	defer cancel()
	for i := 0; i < 10; i++ {
		l.Record(context.Background(), Event{Type: LoginFailed, Outcome: Failure, Details: map[string]any{"n": i}})
		l.Record(context.Background(), Event{Type: TokenIssued, Outcome: Success, Details: map[string]any{"n": i}})
	}
	for want := 5; want < 10; want++ {
		select {
		case en := <-ch:
			if en.Type != LoginFailed || en.Details["n"] != want || en.Seq == 0 || en.Hash == "" {
				t.Fatalf("got %+v, want login.failed n=%d", en, want)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("timeout")
		}
	}
	stop()
	for range ch { // closed once ctx ends
	}
	if _, _, err := l.Subscribe(context.Background(), Filter{Expr: "a=="}); !errors.Is(err, ErrBadExpression) {
		t.Errorf("bad expr: %v", err)
	}
}

func TestSlowSubscriberDroppedNotWriter(t *testing.T) {
	l := openMem(t, Options{})
	slow, cancelSlow, _ := l.Subscribe(context.Background(), Filter{})
	defer cancelSlow()
	const total = streamBuffer * 3
	for i := 0; i < total; i++ {
		l.Record(context.Background(), Event{Type: AdminAction, Outcome: Success})
	}
	if err := l.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	n, last := 0, Entry{}
	for en := range slow {
		n++
		last = en
	}
	if n != streamBuffer+1 || last.Type != StreamDropped {
		t.Fatalf("slow subscriber got %d, last %+v; want %d then a %s marker", n, last, streamBuffer+1, StreamDropped)
	}
	if st := l.Stats(); st.Recorded != total || st.Lost != 0 {
		t.Fatalf("log lost events: %+v", st)
	}
}

func TestCloseEndsSubscriptions(t *testing.T) {
	l := openMem(t, Options{})
	ch, _, _ := l.Subscribe(context.Background(), Filter{})
	l.Close()
	if _, ok := <-ch; ok {
		t.Fatal("channel open after Close")
	}
	if _, _, err := l.Subscribe(context.Background(), Filter{}); err != ErrClosed {
		t.Fatalf("Subscribe after Close: %v", err)
	}
}
