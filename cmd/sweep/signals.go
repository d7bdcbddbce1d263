package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// exitInterrupted is the exit status of a command stopped by a Ctrl-C (128 + SIGINT).
const exitInterrupted = 130

// interrupts turns the first SIGINT or SIGTERM into ctx's end and the second into closing
// kill, saying so on w. stop undoes it.
func interrupts(w io.Writer) (ctx context.Context, kill <-chan struct{}, stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	killed := make(chan struct{})
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		select {
		case <-sigs:
			cancel()
		case <-done:
			return
		}
		select {
		case <-sigs:
			fmt.Fprintln(w, "killing the running runs")
			close(killed)
		case <-done:
		}
	}()
	return ctx, killed, func() {
		signal.Stop(sigs)
		close(done)
		cancel()
	}
}

// survivePipeClose keeps a reader of stderr that goes away (sweep run | head) from ending
// the process. Notify, unlike Ignore, leaves the children's SIGPIPE at its default.
func survivePipeClose() {
	signal.Notify(make(chan os.Signal, 1), syscall.SIGPIPE)
}

// untilInterrupt is a context that ends at the first SIGINT or SIGTERM, for a command that
// only reads and has nothing to stop but itself.
func untilInterrupt() (context.Context, context.CancelFunc) {
	return signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
}
