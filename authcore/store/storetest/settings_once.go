package storetest

import (
	"fmt"
	"sync"
	"testing"

	"github.com/latchkey/latchkey/authcore"
)

// testCreateSetting: CreateSetting keeps the first value; of many
// parallel creators (nodes starting together) every one reads the same
// winner; a secret. setting round-trips through Get and Put.
func testCreateSetting(t *testing.T, s authcore.Storage, clk *Clock) {
	got, err := s.CreateSetting(ctx, authcore.PairwiseSaltSetting, []byte("first"))
	must(t, "CreateSetting", err)
	same(t, "CreateSetting fresh", got, []byte("first"))
	got, err = s.CreateSetting(ctx, authcore.PairwiseSaltSetting, []byte("second"))
	must(t, "CreateSetting again", err)
	same(t, "CreateSetting keeps the first", got, []byte("first"))
	got, err = s.GetSetting(ctx, authcore.PairwiseSaltSetting)
	must(t, "GetSetting", err)
	same(t, "GetSetting", got, []byte("first"))

	const n = 8
	var wg sync.WaitGroup
	won := make([][]byte, n)
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			won[i], errs[i] = s.CreateSetting(ctx, "secret.race", []byte(fmt.Sprint("node-", i)))
		}()
	}
	wg.Wait()
	for i := range n {
		must(t, "CreateSetting race", errs[i])
		same(t, "CreateSetting race winner", won[i], won[0])
	}
	must(t, "PutSetting secret", s.PutSetting(ctx, "secret.race", []byte("replaced")))
	got, _ = s.GetSetting(ctx, "secret.race")
	same(t, "GetSetting secret after Put", got, []byte("replaced"))
}
