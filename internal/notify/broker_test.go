package notify_test

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gridwork/gridwork/internal/auth"
	"github.com/gridwork/gridwork/internal/notify"
)

// A slow subscriber loses its oldest events, is told how many on the next
// one it reads, and never holds up the publisher.
func TestBrokerSlowSubscriber(t *testing.T) {
	b := notify.NewMemoryBroker(2, nil)
	slow, cancel := b.Subscribe(context.Background(), auth.SystemActor())
	defer cancel()
	fast, cancelFast := b.Subscribe(context.Background(), auth.SystemActor())
	defer cancelFast()
	var fastGot []int64
	for i := int64(1); i <= 5; i++ {
		b.Publish(notify.Event{Kind: "case.reported", CaseID: i})
		fastGot = append(fastGot, (<-fast).CaseID)
	}
	if d := cmp.Diff([]int64{1, 2, 3, 4, 5}, fastGot); d != "" {
		t.Errorf("fast subscriber (-want +got):\n%s", d)
	}
	cancelFast()
	got := received(slow)
	if len(got) != 2 || got[0].CaseID != 4 || got[1].CaseID != 5 || got[0].Missed+got[1].Missed != 3 {
		t.Fatalf("slow subscriber got %+v; want cases 4 and 5 missing 3 between them", got)
	}
	// Counts carried by dropped events are not lost with them: summed
	// over what the subscriber reads, they make up what it lost.
	for i := int64(6); i <= 11; i++ {
		b.Publish(notify.Event{Kind: "case.reported", CaseID: i})
	}
	got = received(slow)
	if len(got) != 2 || got[0].CaseID != 10 || got[1].CaseID != 11 || got[0].Missed+got[1].Missed != 4 {
		t.Errorf("after a second overflow: %+v; want cases 10 and 11 missing 4 between them", got)
	}
	if st := b.Stats(); st != (notify.BrokerStats{Subscribers: 1, Published: 11, Lost: 7}) {
		t.Errorf("stats = %+v", st)
	}
}

// Cancelling, or ending the context, closes the channel; the broker
// forgets the subscriber.
func TestBrokerUnsubscribe(t *testing.T) {
	b := notify.NewMemoryBroker(0, nil)
	ctx, end := context.WithCancel(context.Background())
	byCtx, cancelByCtx := b.Subscribe(ctx, auth.SystemActor())
	defer cancelByCtx()
	byFunc, cancel := b.Subscribe(context.Background(), auth.SystemActor())
	cancel()
	cancel() // harmless
	if _, ok := <-byFunc; ok {
		t.Error("channel open after cancel")
	}
	end()
	if _, ok := <-byCtx; ok {
		t.Error("channel open after the context ended")
	}
	b.Publish(notify.Event{Kind: "case.reported"}) // no send on a closed channel
	if st := b.Stats(); st.Subscribers != 0 {
		t.Errorf("subscribers after cancel = %d", st.Subscribers)
	}
	none, cancelNone := b.Subscribe(context.Background(), nil)
	defer cancelNone()
	b.Publish(notify.Event{Kind: "case.reported", Recipients: []int64{0}})
	if got := received(none); len(got) != 0 {
		t.Errorf("nil actor got %v", kinds(got))
	}
}
