package main

import (
	"encoding/json"
	"fmt"
	"log"
	"net/http"
	"runtime"
	"strconv"
	"sync"
)

// burner keeps N goroutines spinning on the CPU, so that the demo's Ps are busy and
// GoProcessorsSaturated can fire; stopping it leaves them idle, so GoProcessorsIdle can.
type burner struct {
	mu      sync.Mutex
	quit    chan struct{}
	workers int
}

func (b *burner) start(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(w, "use POST", http.StatusMethodNotAllowed)
		return
	}
	workers := runtime.NumCPU()
	if s := r.URL.Query().Get("workers"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 64 {
			http.Error(w, "workers must be an integer from 1 to 64", http.StatusBadRequest)
			return
		}
		workers = n
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.quit != nil {
		http.Error(w, "already busy", http.StatusConflict)
		return
	}
	b.quit = make(chan struct{})
	b.workers = workers
	for i := 0; i < workers; i++ {
		go spin(b.quit)
	}
	log.Printf("busy: %d goroutines spinning", workers)
	fmt.Fprintf(w, "busy: %d goroutines spinning\n", workers)
}

// spin burns CPU until quit is closed, checking it every few thousand iterations.
func spin(quit chan struct{}) {
	x := 0
	for {
		for i := 0; i < 1<<16; i++ {
			x += i * i
		}
		select {
		case <-quit:
			return
		default:
		}
	}
}

func (b *burner) stop(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(w, "use POST", http.StatusMethodNotAllowed)
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.quit != nil {
		close(b.quit)
		b.quit = nil
	}
	log.Printf("busy stopped: idle again")
	fmt.Fprintln(w, "busy stopped: idle again")
	b.workers = 0
}

func (b *burner) status(w http.ResponseWriter, r *http.Request) {
	b.mu.Lock()
	defer b.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"busy": b.quit != nil, "workers": b.workers, "gomaxprocs": runtime.GOMAXPROCS(0)})
}
