# bash completion for asynclab                         -*- shell-script -*-
#
# Installed by `make install` as share/bash-completion/completions/asynclab
# (bash-completion loads it the first time asynclab is completed); by hand:
# `source tools/asynclab.bash`. The words come from the program itself, so
# they never go stale: `asynclab complete commands|scenarios|compare|
# workloads|executors|lessons` (cli/cmd_complete.c) for the lists, and
# `asynclab COMMAND --help` for each command's options.
#
#   asynclab <TAB>                     the subcommands, --help, --version
#   asynclab run|viz <TAB>             scenarios
#   asynclab compare <TAB>             scenarios and workloads
#   asynclab bench <TAB>               workloads, all
#   asynclab lesson|check|hint|reset|solution <TAB>   lesson numbers
#   asynclab quiz <TAB>                lesson numbers; --kind <TAB>: its kinds
#   asynclab trace <TAB>               export, info
#   asynclab init <TAB>                folders
#   asynclab CMD --<TAB>               CMD's options
#   --executor <TAB>                   spin notify ws
#   --executors <TAB>                  the same, one after another: ws,spin,...
#   --trace, --perfetto, --text, --file, replay, trace export  files

_asynclab_words() { # LIST: one word a line from the program
    "${COMP_WORDS[0]}" complete "$1" 2>/dev/null
}

_asynclab() {
    local cur prev cmd words
    cur=${COMP_WORDS[COMP_CWORD]}
    prev=${COMP_WORDS[COMP_CWORD - 1]}
    COMPREPLY=()

    if [ "$COMP_CWORD" -eq 1 ]; then
        words="$(_asynclab_words commands) --help --version"
        COMPREPLY=($(compgen -W "$words" -- "$cur"))
        return 0
    fi
    cmd=${COMP_WORDS[1]}

    case $prev in
    --executor)
        COMPREPLY=($(compgen -W "$(_asynclab_words executors)" -- "$cur"))
        return 0 ;;
    --executors)
        # a comma-separated list: complete its last item
        local head=${cur%,*} last=${cur##*,} e
        [ "$head" = "$cur" ] && head="" || head="$head,"
        for e in $(_asynclab_words executors); do
            case $e in "$last"*) COMPREPLY+=("$head$e") ;; esac
        done
        return 0 ;;
    --trace | --perfetto | --text | --file)
        COMPREPLY=($(compgen -f -- "$cur"))
        return 0 ;;
    --kind)
        # quiz N --kind: the kinds of lesson N (quiz N --list)
        [ "$cmd" = quiz ] && COMPREPLY=($(compgen -W "$(
            "${COMP_WORDS[0]}" quiz "${COMP_WORDS[2]}" --list 2>/dev/null |
            sed -n 's/^  \([a-z0-9-]*\) .*/\1/p')" -- "$cur"))
        return 0 ;;
    esac

    if [[ $cur == -* ]]; then
        words=$("${COMP_WORDS[0]}" "$cmd" --help 2>/dev/null |
                grep -oE -- '--[a-z][a-z0-9-]*' | sort -u)
        COMPREPLY=($(compgen -W "$words --help" -- "$cur"))
        return 0
    fi

    # the first word after the command
    local i positional=0
    for ((i = 2; i < COMP_CWORD; i++)); do
        case ${COMP_WORDS[i]} in
        --executor | --executors | --trace | --perfetto | --text | --file | \
        --tasks | --ms | --workers | --seed | --slow | --runs | --connections | \
        --rounds | --port | --iters | --kind) i=$((i + 1)) ;;
        -*) ;;
        *) positional=$((positional + 1)) ;;
        esac
    done

    case $cmd in
    run | viz)
        [ $positional -eq 0 ] &&
            COMPREPLY=($(compgen -W "$(_asynclab_words scenarios)" -- "$cur")) ;;
    compare)
        [ $positional -eq 0 ] &&
            COMPREPLY=($(compgen -W "$(_asynclab_words compare)" -- "$cur")) ;;
    bench)
        [ $positional -eq 0 ] &&
            COMPREPLY=($(compgen -W "$(_asynclab_words workloads)" -- "$cur")) ;;
    lesson | check | hint | reset | solution | quiz)
        [ $positional -eq 0 ] &&
            COMPREPLY=($(compgen -W "$(_asynclab_words lessons)" -- "$cur")) ;;
    trace)
        if [ $positional -eq 0 ]; then
            COMPREPLY=($(compgen -W "export info" -- "$cur"))
        else
            COMPREPLY=($(compgen -f -- "$cur"))
        fi ;;
    replay)
        COMPREPLY=($(compgen -f -- "$cur")) ;;
    init)
        [ $positional -eq 0 ] && COMPREPLY=($(compgen -d -- "$cur")) ;;
    esac
    return 0
}
complete -o filenames -F _asynclab asynclab
