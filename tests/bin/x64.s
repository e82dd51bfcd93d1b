# x64.s: hand-written x86-64 code for the bin analysis tests (tests/bin/asm.sh).
# Each case is a function reached only through the evidence it shows; the
# expected blocks and edges are written by hand in asm.sh. Linked with
# ld -Ttext=0x401000 -e 0, then stripped, so no symbol helps the analysis.
        .text
        .globl _start
_start:                         # calls every case so each is a call target
        call pushret
        call overlap
        call junk
        call opaque
        call table
        call dies
        call elsewhere
        call computed
        call tailer
        call wrapper            # never returns: _start ends here

# push addr; ret is a jump to addr
pushret:
        push $pushret_target
        ret
        .byte 0xff, 0xff, 0xff  # junk after the ret
pushret_target:
        mov $1, %eax
        ret

# a jump into the middle of its own encoding: eb ff = jmp .+1, then ff c0 = inc eax
overlap:
        .byte 0xeb, 0xff, 0xc0
        dec %eax
        ret

# junk bytes after an unconditional jump
junk:
        jmp junk_go
        .byte 0xe8, 0x00        # half a call
junk_go:
        xor %eax, %eax
        ret

# jz X; jnz X always jumps: the bytes after it are junk
opaque:
        jz opaque_go
        jnz opaque_go
        .byte 0x0f, 0xff        # invalid opcode
opaque_go:
        mov $2, %eax
        ret

# a jump table inside .text, absolute 8-byte entries, bound check first
table:
        cmp $3, %edi
        ja table_default
        mov %edi, %eax
        jmp *table_tab(,%rax,8)
        .p2align 3
table_tab:
        .quad table_c0, table_c1, table_c2, table_c3
table_c0:
        mov $10, %eax
        ret
table_c1:
        mov $11, %eax
        ret
table_c2:
        mov $12, %eax
        ret
table_c3:
        mov $13, %eax
        ret
table_default:
        xor %eax, %eax
        ret

# never returns: exit system call, then hlt
fatal:
        mov $60, %eax
        syscall
        hlt

# calls fatal: the call does not return, the bytes after it are junk
dies:
        test %edi, %edi
        jz dies_ok
        call fatal
        .byte 0xff, 0xff
dies_ok:
        ret

# non-returning by propagation: its only exit is a call to fatal
wrapper:
        mov $3, %edi
        call fatal

# returns elsewhere: the callee adds 2 to its return address
elsewhere:
        call skip2
        .byte 0x0f, 0x0b        # ud2, skipped over
        mov $4, %eax
        ret
skip2:
        addq $2, (%rsp)
        ret

# computed jump with a constant target
computed:
        mov $computed_target, %eax
        jmp *%rax
        .byte 0xc7              # junk
computed_target:
        mov $5, %eax
        ret

# tail call to a function that is also called
tailer:
        mov $6, %edi
        jmp callee
        .p2align 4
callee:
        lea 1(%rdi), %eax
        ret
        .globl after
after:
        call callee
        ret
