/* Types shared by tests/bpf/skel_shapes.bpf.c and the tests of its
 * skeleton, as a user's own header would be: the skeleton must compile
 * next to these definitions without redefining them. */
#ifndef SKEL_SHAPES_H
#define SKEL_SHAPES_H

struct point {
	int x, y;
};

struct inner {
	short s;
	char c;
};

struct flags {
	unsigned int a : 3;
	unsigned int b : 5;
	unsigned int c : 1;
	int d : 7;
	unsigned char e;
	unsigned long long f : 40;
};

union number {
	int i;
	char bytes[8];
	long long l;
};

enum mode { MODE_A = 1, MODE_B = 2 };
enum neg { NEG_ONE = -1, NEG_FIVE = -5 };

typedef struct {
	char tag[3];
	int value;
} tagged_t;

struct __attribute__((packed)) packed_rec {
	char c;
	int i;
	short s;
};

#endif
