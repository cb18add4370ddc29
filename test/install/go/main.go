// A Go program in a module of its own that uses sdk/go through a replace line.
package main

import (
	"context"
	"fmt"
	"log"
	"os"
	"strconv"
	"time"

	nenc "github.com/nenc-dev/nenc/sdk/go"
)

func main() {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	n, err := strconv.Atoi(os.Args[1])
	if err != nil {
		log.Fatal(err)
	}
	client, err := nenc.Dial(ctx, "") // NENC_URL
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()
	inv, err := client.Invoke(ctx, "double", map[string]any{"n": n})
	if err != nil {
		log.Fatal(err)
	}
	var doubled int
	if err := inv.ResultInto(ctx, &doubled); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("double(%d) = %d\n", n, doubled)
}
