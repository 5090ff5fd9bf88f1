// Command demo is the local stack's Go service: it answers HTTP behind HAProxy, does a little
// background work so every scheduler metric has data, leaks goroutines or keeps its CPUs busy
// when told to, and mounts the gmpwatch GOMAXPROCS admin endpoint on an internal port.
//
//	POST /leak/start?rate=N     start N goroutines a second that never finish (default 500)
//	POST /leak/stop             stop leaking and let the leaked goroutines finish
//	GET  /leak                  {"leaking":bool,"leaked":n}
//	POST /busy/start?workers=N  keep N goroutines spinning on the CPU (default NumCPU)
//	POST /busy/stop             stop spinning: idle again
//	GET  /busy                  {"busy":bool,"workers":n,"gomaxprocs":n}
//
// With -admin host:port it also serves /debug/gomaxprocs (deploy/gomaxprocs) there, the
// endpoint the remediator steps GOMAXPROCS through.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"gmpwatch.dev/gomaxprocs"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:18081", "host:port to serve on")
	admin := flag.String("admin", "", "internal host:port for the GOMAXPROCS admin endpoint (none when empty)")
	flag.Parse()
	name := filepath.Base(os.Args[0])

	if *admin != "" {
		adminMux := http.NewServeMux()
		adminMux.Handle("/debug/gomaxprocs", gomaxprocs.Handler(os.Getenv("GOMAXPROCS_ADMIN_TOKEN")))
		go func() { log.Fatal(http.ListenAndServe(*admin, adminMux)) }()
	}

	go backgroundWork()
	leak := &leaker{}
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "hello from %s\n", name)
	})
	mux.HandleFunc("/leak", leak.status)
	mux.HandleFunc("/leak/start", leak.start)
	mux.HandleFunc("/leak/stop", leak.stop)
	busy := &burner{}
	mux.HandleFunc("/busy", busy.status)
	mux.HandleFunc("/busy/start", busy.start)
	mux.HandleFunc("/busy/stop", busy.stop)
	log.Printf("%s: serving http://%s/", name, *listen)
	log.Fatal(http.ListenAndServe(*listen, mux))
}

// backgroundWork parks and wakes goroutines and allocates, so that transitions, park reasons,
// scheduling latency and GC pauses show up even without traffic.
func backgroundWork() {
	var sink [][]byte
	for range time.Tick(20 * time.Millisecond) {
		done := make(chan struct{})
		go func() {
			sink = append(sink, make([]byte, 64<<10))
			close(done)
		}()
		<-done
		if len(sink) > 256 {
			sink = nil
		}
	}
}

type leaker struct {
	mu      sync.Mutex
	quit    chan struct{} // closed to stop creating
	release chan struct{} // closed to let the leaked goroutines finish
	leaked  int
}

func (l *leaker) start(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(w, "use POST", http.StatusMethodNotAllowed)
		return
	}
	rate := 500
	if s := r.URL.Query().Get("rate"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 100000 {
			http.Error(w, "rate must be an integer from 1 to 100000", http.StatusBadRequest)
			return
		}
		rate = n
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.quit != nil {
		http.Error(w, "already leaking", http.StatusConflict)
		return
	}
	l.quit = make(chan struct{})
	if l.release == nil {
		l.release = make(chan struct{})
	}
	go l.leakLoop(rate, l.quit, l.release)
	log.Printf("leaking %d goroutines/s", rate)
	fmt.Fprintf(w, "leaking %d goroutines/s\n", rate)
}

func (l *leaker) leakLoop(rate int, quit, release chan struct{}) {
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	perTick := rate / 100
	carry := 0
	for {
		select {
		case <-quit:
			return
		case <-tick.C:
			carry += rate % 100
			n := perTick + carry/100
			carry %= 100
			for i := 0; i < n; i++ {
				go leakOne(release)
			}
			l.mu.Lock()
			l.leaked += n
			l.mu.Unlock()
		}
	}
}

// leakOne is the leaking creator the exporter names in gmpwatch_goroutines_by_creator.
func leakOne(release chan struct{}) {
	<-release
}

func (l *leaker) stop(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(w, "use POST", http.StatusMethodNotAllowed)
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.quit != nil {
		close(l.quit)
		l.quit = nil
	}
	if l.release != nil {
		close(l.release)
		l.release = nil
	}
	log.Printf("leak stopped, %d goroutines released", l.leaked)
	fmt.Fprintf(w, "leak stopped, %d goroutines released\n", l.leaked)
	l.leaked = 0
}

func (l *leaker) status(w http.ResponseWriter, r *http.Request) {
	l.mu.Lock()
	defer l.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"leaking": l.quit != nil, "leaked": l.leaked})
}
