#!/usr/bin/env python3
"""Mark version needs of an ELF64 shared library as weak, so the dynamic loader only warns when they are missing.

    python3 bench/weaken_glibcxx.py FILE [VERSION ...]      (default VERSION: GLIBCXX_3.4.32)

Why: TorchSharp 0.107's libLibTorchSharp.so (the libtorch 2.10 peer, bench/TorchSharpRef) is built with GCC 13 and asks
libstdc++.so.6 for GLIBCXX_3.4.32, which Debian 12's libstdc++ (GCC 12, up to GLIBCXX_3.4.30) lacks, so it does not load
("version `GLIBCXX_3.4.32' not found"). The one symbol of that version it names is std::ios_base_library_init(), which
GCC 13 references from every file that includes <iostream> only to pull in the stream initialisation; no relocation uses
it and nothing calls it. In .gnu.version_r (SHT_GNU_verneed) each needed version is a Vernaux entry; setting
VER_FLG_WEAK (0x2) in its vna_flags turns "version not found" from an error into nothing (glibc's _dl_check_map_versions
skips a weak need that is missing).

Edits FILE in place: run it on a copy (bench/TorchSharpRef's build runs it on the copy in its own bin output), never on
the NuGet package cache. Standard library only; little-endian ELF64 only. Prints what it changed; running it again
changes nothing; a FILE that needs none of the versions (a later TorchSharp, say) is left as it is, with a note.
"""
import struct
import sys

SHT_GNU_VERNEED = 0x6FFFFFFE
VER_FLG_WEAK = 0x2


def weaken(path, versions):
    with open(path, "r+b") as f:
        data = bytearray(f.read())
        if data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:
            sys.exit(f"weaken_glibcxx.py: {path} is not a little-endian ELF64 file")
        # Elf64_Ehdr: e_shoff at 0x28, e_shentsize at 0x3A, e_shnum at 0x3C
        e_shoff, = struct.unpack_from("<Q", data, 0x28)
        e_shentsize, e_shnum = struct.unpack_from("<HH", data, 0x3A)
        # Elf64_Shdr: sh_name, sh_type, sh_flags, sh_addr, sh_offset, sh_size, sh_link, sh_info, sh_addralign, sh_entsize
        sections = [struct.unpack_from("<IIQQQQIIQQ", data, e_shoff + i * e_shentsize) for i in range(e_shnum)]
        found = []
        for sh in sections:
            if sh[1] != SHT_GNU_VERNEED:
                continue
            strtab_off = sections[sh[6]][4]          # sh_link: the string table of the names

            def name(off):
                end = data.index(b"\0", strtab_off + off)
                return data[strtab_off + off:end].decode()

            need = sh[4]
            for _ in range(sh[7]):                    # sh_info: number of Verneed entries
                # Elf64_Verneed: vn_version u16, vn_cnt u16, vn_file u32, vn_aux u32, vn_next u32
                vn_version, vn_cnt, vn_file, vn_aux, vn_next = struct.unpack_from("<HHIII", data, need)
                aux = need + vn_aux
                for _ in range(vn_cnt):
                    # Elf64_Vernaux: vna_hash u32, vna_flags u16, vna_other u16, vna_name u32, vna_next u32
                    vna_hash, vna_flags, vna_other, vna_name, vna_next = struct.unpack_from("<IHHII", data, aux)
                    version = name(vna_name)
                    if version in versions:
                        state = "already weak" if vna_flags & VER_FLG_WEAK else "marked weak"
                        if not vna_flags & VER_FLG_WEAK:
                            struct.pack_into("<H", data, aux + 4, vna_flags | VER_FLG_WEAK)
                        found.append(version)
                        print(f"weaken_glibcxx.py: {path}: {version} (from {name(vn_file)}) {state}")
                    if not vna_next:
                        break
                    aux += vna_next
                if not vn_next:
                    break
                need += vn_next
        if not found:
            print(f"weaken_glibcxx.py: {path} needs none of {', '.join(sorted(versions))}; nothing changed")
            return 0
        f.seek(0)
        f.write(data)
    return 0


if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] in ("-h", "--help"):
        sys.exit(__doc__)
    sys.exit(weaken(sys.argv[1], set(sys.argv[2:]) or {"GLIBCXX_3.4.32"}))
