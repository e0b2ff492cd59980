# SPDX-License-Identifier: MIT
# bash completion for kgress: commands and options are read from the
# tool's own help (`kgress --help`, `kgress CMD --help`), so they never
# drift from what the tool accepts; FILE operands complete as files.
_kgress()
{
    local cur prev words cword
    cur=${COMP_WORDS[COMP_CWORD]}
    prev=${COMP_WORDS[COMP_CWORD-1]}
    if [ "$COMP_CWORD" -eq 1 ]; then
        local cmds
        cmds=$("${COMP_WORDS[0]}" --help 2>/dev/null |
            sed -n '/^Commands:/,/^$/s/^  \([a-z]\+\) .*/\1/p')
        COMPREPLY=($(compgen -W "$cmds help --help --version" -- "$cur"))
        return
    fi
    case $prev in
    --dialect)
        COMPREPLY=($(compgen -W "portable ingress-nginx" -- "$cur"))
        return ;;
    --protocol)
        COMPREPLY=($(compgen -W "TCP UDP SCTP" -- "$cur"))
        return ;;
    --host|--path|--method|--header|--gateway|--src|--dst|--dst-name|--domain|--now|--port|--namespace|--ingress-class|--limit-*)
        return ;;
    esac
    if [[ $cur == -* ]]; then
        local opts
        opts=$("${COMP_WORDS[0]}" "${COMP_WORDS[1]}" --help 2>/dev/null |
            grep -o -- '--[a-z][a-z-]*' | sort -u)
        COMPREPLY=($(compgen -W "$opts" -- "$cur"))
        return
    fi
    COMPREPLY=($(compgen -f -- "$cur"))
}
complete -o filenames -F _kgress kgress
