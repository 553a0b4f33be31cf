/* A stand-in bcryptprimitives.dll for Wine before 8.13, which has none.
 *
 * Rust's std (since 1.78) gets its random bytes (HashMap seeds) from ProcessPrng in
 * bcryptprimitives.dll, so a Rust program for Windows does not even load without it.
 * This one exports just that function, on top of RtlGenRandom (advapi32's
 * SystemFunction036), which every Wine has. .ci/windows.sh builds it with MinGW and
 * puts it into the Wine prefix; it is never part of the workbook itself. */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length); /* RtlGenRandom */

BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length)
{
    while (length > 0) {
        ULONG chunk = length > 0x10000000 ? 0x10000000 : (ULONG)length;
        if (!SystemFunction036(data, chunk))
            return FALSE;
        data += chunk;
        length -= chunk;
    }
    return TRUE;
}
