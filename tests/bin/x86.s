# x86.s: hand-written i386 code for the bin analysis tests (tests/bin/asm.sh):
# get-PC idioms, position-independent computed jumps and a jump table
# relative to a get-PC base. Linked with ld -m elf_i386 -Ttext=0x8049000.
        .text
        .globl _start
_start:
        call getpc
        call thunk_user
        call pictable
        mov $1, %eax
        xor %ebx, %ebx
        int $0x80
        hlt

# call $+5; pop reg gives the address of the pop; the jump is computed from it
getpc:
        call 1f
1:      pop %ebx
        lea (getpc_target - 1b)(%ebx), %eax
        jmp *%eax
        .byte 0xe8              # junk: half a call
getpc_target:
        mov $7, %eax
        ret

# a get-PC thunk (mov (%esp), reg; ret) is a function that returns
thunk:
        mov (%esp), %ecx
        ret
thunk_user:
        call thunk
        lea (thunk_target - .)(%ecx), %edx
        jmp *%edx
        .byte 0xff, 0xff
thunk_target:
        mov $8, %eax
        ret

# jump table of offsets relative to a get-PC base, in .text
pictable:
        call 2f
2:      pop %ecx
        cmp $2, %eax
        ja pictable_default
        mov (pictable_tab - 2b)(%ecx,%eax,4), %eax
        add %ecx, %eax
        jmp *%eax
        .p2align 2
pictable_tab:
        .long pictable_c0 - 2b, pictable_c1 - 2b, pictable_c2 - 2b
pictable_c0:
        mov $20, %eax
        ret
pictable_c1:
        mov $21, %eax
        ret
pictable_c2:
        mov $22, %eax
        ret
pictable_default:
        xor %eax, %eax
        ret
