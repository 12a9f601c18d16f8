#!/usr/bin/env bash
# A throw-away one-node SLURM cluster on this machine (Debian 12, as root, no systemd), to run
# the pipeline through the slurm profile for real: the tests do (tests/test_slurm.py).
#
#   cluster.sh start            install slurm-wlm and munge if missing, write slurm.conf from nproc
#                               and free, start munged, slurmctld and slurmd, wait until the node
#                               is idle
#   cluster.sh stop             stop the daemons this script started (by their PID files)
#   cluster.sh status           show the daemons and sinfo
#   cluster.sh run -- CMD...    start, run CMD, and always stop what it started (on failure and
#                               on a signal too); exits with CMD's exit code
#
# Finished jobs are recorded in $DLSCRATCH_SLURM_STATE/log/jobcomp.txt (no accounting daemon).
#
# Environment:
#   DLSCRATCH_SLURM_STATE      private dir for conf, state and logs (default /tmp/dlscratch-slurm)
#   DLSCRATCH_SLURM_PARTITION  the partition's name (default debug)
#   DLSCRATCH_SLURM_WRITE_ETC  1 (default): /etc/slurm/slurm.conf becomes a link to the private
#                              conf, because Snakemake's job step clears SLURM_CONF before its srun;
#                              a real file found there is kept as slurm.conf.before-cluster-sh
#   DLSCRATCH_SLURM_KEEP_STATE 1: keep slurmctld's state and the job record of earlier starts
#   DLSCRATCH_SLURM_TIMEOUT    seconds to wait for the node to become idle (default 60)
set -euo pipefail

STATE=${DLSCRATCH_SLURM_STATE:-/tmp/dlscratch-slurm}
PARTITION=${DLSCRATCH_SLURM_PARTITION:-debug}
TIMEOUT=${DLSCRATCH_SLURM_TIMEOUT:-60}
CONF=$STATE/etc/slurm.conf
JOBCOMP=$STATE/log/jobcomp.txt
CTLD_PID=/run/slurm/slurmctld.pid
SLURMD_PID=/run/slurm/slurmd.pid
MUNGE_PID=/run/munge/munged.pid
STARTED=$STATE/started          # names of daemons this script started (one per line)
export SLURM_CONF=$CONF

log() { printf '[cluster.sh %s] %s\n' "$(date +%T)" "$*" >&2; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN{printf "%.1f", b-a}'; }

# pid_alive PIDFILE NAME: PID file exists, process alive, and its comm is NAME (guards PID reuse)
pid_alive() {
    local f=$1 name=$2 pid
    [[ -s $f ]] || return 1
    pid=$(<"$f")
    [[ $pid =~ ^[0-9]+$ ]] || return 1
    [[ -r /proc/$pid/comm && $(</proc/$pid/comm) == "$name" ]]
}

install_pkgs() {
    if command -v slurmctld >/dev/null && command -v slurmd >/dev/null \
        && command -v munged >/dev/null && command -v sinfo >/dev/null; then
        return 0
    fi
    local t0; t0=$(now)
    log "installing slurm-wlm munge"
    mkdir -p "$STATE"
    export DEBIAN_FRONTEND=noninteractive
    if ! apt-get install -y -q --no-install-recommends slurm-wlm munge >"$STATE/apt.log" 2>&1; then
        apt-get update -q >>"$STATE/apt.log" 2>&1
        apt-get install -y -q --no-install-recommends slurm-wlm munge >>"$STATE/apt.log" 2>&1 \
            || { tail -20 "$STATE/apt.log" >&2; exit 1; }
    fi
    log "TIMING install: $(since "$t0") s"
}

ensure_hostname() {
    local h; h=$(hostname -s)
    if ! getent hosts "$h" >/dev/null; then
        log "adding $h to /etc/hosts"
        echo "127.0.0.1 $h" >>/etc/hosts
    fi
}

write_conf() {
    local host cpus avail mem
    host=$(hostname -s)
    cpus=$(nproc)
    avail=$(free -m | awk '/^Mem:/{print $7}')
    mem=$(( avail * 85 / 100 ))
    mkdir -p "$STATE"/{etc,state,spool,log}
    if [[ ${DLSCRATCH_SLURM_KEEP_STATE:-0} != 1 ]]; then
        rm -rf "${STATE:?}"/state/* "${STATE:?}"/spool/*
        : >"$JOBCOMP"
    fi
    touch "$JOBCOMP"
    chown -R slurm:slurm "$STATE"/{state,spool,log}
    chmod 755 "$STATE" "$STATE/etc"
    cat >"$CONF" <<EOF
# written by workflow/profiles/slurm/cluster.sh
ClusterName=dlscratch
SlurmctldHost=$host
SlurmUser=slurm
AuthType=auth/munge
CredType=cred/munge
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SwitchType=switch/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
DefMemPerCPU=500
ReturnToService=2
# finished jobs stay in squeue/scontrol this long (squeue-based status checks need it)
MinJobAge=300
SchedulerType=sched/backfill
SchedulerParameters=sched_interval=1
MailProg=/bin/true
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/filetxt
JobCompLoc=$JOBCOMP
StateSaveLocation=$STATE/state
SlurmdSpoolDir=$STATE/spool
SlurmctldPidFile=$CTLD_PID
SlurmdPidFile=$SLURMD_PID
SlurmctldLogFile=$STATE/log/slurmctld.log
SlurmdLogFile=$STATE/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
SlurmctldTimeout=30
SlurmdTimeout=30
InactiveLimit=0
KillWait=5
NodeName=$host CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=$PARTITION Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
    chmod 644 "$CONF"
    # The conf must (also) be at the default path /etc/slurm/slurm.conf: snakemake's jobstep
    # plugin strips all SLURM_* variables (SLURM_CONF too) before its srun inside the job, so
    # with SLURM_CONF alone that srun fails ("Could not establish a configuration source").
    if [[ ${DLSCRATCH_SLURM_WRITE_ETC:-1} == 1 ]]; then
        mkdir -p /etc/slurm
        if [[ -e /etc/slurm/slurm.conf && ! -L /etc/slurm/slurm.conf ]]; then
            mv /etc/slurm/slurm.conf /etc/slurm/slurm.conf.before-cluster-sh
        fi
        ln -sfn "$CONF" /etc/slurm/slurm.conf
    fi
    log "conf: $CONF (CPUs=$cpus RealMemory=$mem partition=$PARTITION)"
}

STARTED_NOW=()
mark_started() { echo "$1" >>"$STARTED"; STARTED_NOW+=("$1"); }

start_munge() {
    mkdir -p /run/munge
    chown munge:munge /run/munge
    chmod 755 /run/munge
    if [[ ! -s /etc/munge/munge.key ]]; then
        mungekey --create
    fi
    chown munge:munge /etc/munge/munge.key
    chmod 400 /etc/munge/munge.key
    if pid_alive "$MUNGE_PID" munged; then
        log "munged already running (pid $(<"$MUNGE_PID"))"
    else
        runuser -u munge -- /usr/sbin/munged
        mark_started munged
    fi
    local i
    for i in $(seq 50); do
        munge -n 2>/dev/null | unmunge >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    log "munge -n | unmunge fails"; exit 1
}

start_slurm() {
    mkdir -p /run/slurm
    chown slurm:slurm /run/slurm
    if pid_alive "$CTLD_PID" slurmctld; then
        log "slurmctld already running"
    else
        /usr/sbin/slurmctld -f "$CONF"
        mark_started slurmctld
    fi
    if pid_alive "$SLURMD_PID" slurmd; then
        log "slurmd already running"
    else
        /usr/sbin/slurmd -f "$CONF"
        mark_started slurmd
    fi
}

wait_idle() {
    local t0 st; t0=$(now)
    while :; do
        st=$(sinfo -h -N -o '%T' 2>/dev/null | head -1 || true)
        case $st in
            idle|mixed|allocated) return 0 ;;
        esac
        if awk -v a="$t0" -v b="$(now)" -v t="$TIMEOUT" 'BEGIN{exit !(b-a>t)}'; then
            log "node not idle after ${TIMEOUT}s (state '$st'); logs:"
            tail -5 "$STATE"/log/slurmctld.log "$STATE"/log/slurmd.log >&2 || true
            return 1
        fi
        sleep 0.2
    done
}

cmd_start() {
    local t0; t0=$(now)
    [[ $(id -u) == 0 ]] || { log "must run as root"; exit 1; }
    install_pkgs
    local t1; t1=$(now)
    ensure_hostname
    if pid_alive "$CTLD_PID" slurmctld && pid_alive "$SLURMD_PID" slurmd; then
        log "already running"
    else
        write_conf
        start_munge
        start_slurm
    fi
    wait_idle
    log "TIMING start (daemons to idle): $(since "$t1") s, total incl. install check: $(since "$t0") s"
    sinfo >&2
}

# stop_one PIDFILE NAME: SIGTERM, wait up to 30 s, then SIGKILL
stop_one() {
    local f=$1 name=$2 pid i
    if ! pid_alive "$f" "$name"; then return 0; fi
    pid=$(<"$f")
    kill -TERM "$pid" 2>/dev/null || true
    for i in $(seq 300); do
        [[ -d /proc/$pid ]] || { log "$name ($pid) stopped"; return 0; }
        sleep 0.1
    done
    log "$name ($pid) still alive after 30 s; SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
}

# cmd_stop [NAME...]: without names stop slurmd + slurmctld, and munged if this script started it;
# with names stop only those (run mode passes what it started itself).
cmd_stop() {
    local t0 names; t0=$(now)
    if [[ $# -gt 0 ]]; then
        names=" $* "
    else
        names=" slurmd slurmctld "
        [[ -f $STARTED ]] && grep -qx munged "$STARTED" && names+="munged "
    fi
    # slurmd first (it may be killing job steps), then slurmctld, then munged.
    [[ $names == *" slurmd "* ]] && stop_one "$SLURMD_PID" slurmd
    [[ $names == *" slurmctld "* ]] && stop_one "$CTLD_PID" slurmctld
    [[ $names == *" munged "* ]] && stop_one "$MUNGE_PID" munged
    if [[ -f $STARTED ]]; then
        local keep; keep=$(grep -vxF -f <(tr ' ' '\n' <<<"$names" | grep .) "$STARTED" || true)
        if [[ -n $keep ]]; then echo "$keep" >"$STARTED"; else rm -f "$STARTED"; fi
    fi
    # Leave /etc/slurm as found: a slurm.conf naming a controller that is gone makes every
    # scontrol wait (snakemake-executor-plugin-slurm runs one each time Snakemake starts).
    if [[ ! -f $STARTED && -L /etc/slurm/slurm.conf && $(readlink /etc/slurm/slurm.conf) == "$CONF" ]]; then
        rm -f /etc/slurm/slurm.conf
        [[ -e /etc/slurm/slurm.conf.before-cluster-sh ]] && mv /etc/slurm/slurm.conf.before-cluster-sh /etc/slurm/slurm.conf
    fi
    log "TIMING stop: $(since "$t0") s"
    return 0
}

cmd_status() {
    local n f
    for n in munged:$MUNGE_PID slurmctld:$CTLD_PID slurmd:$SLURMD_PID; do
        f=${n#*:}; n=${n%%:*}
        if pid_alive "$f" "$n"; then echo "$n running pid $(<"$f")"; else echo "$n not running"; fi
    done
    sinfo 2>&1 || true
}

CHILD=
on_signal() {
    local sig=$1
    trap - INT TERM
    if [[ -n $CHILD ]] && kill -0 "$CHILD" 2>/dev/null; then
        log "got SIG$sig: TERM to command (pid $CHILD), KILL after 10 s"
        kill -TERM "$CHILD" 2>/dev/null || true
        local i
        for i in $(seq 100); do kill -0 "$CHILD" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$CHILD" 2>/dev/null || true
    fi
    [[ $sig == INT ]] && exit 130
    exit 143
}

cmd_run() {
    [[ ${1:-} == -- ]] && shift
    [[ $# -gt 0 ]] || { log "usage: cluster.sh run -- CMD..."; exit 2; }
    local rc=0
    trap '[[ ${#STARTED_NOW[@]} -gt 0 ]] && cmd_stop "${STARTED_NOW[@]}"' EXIT
    trap 'on_signal INT' INT
    trap 'on_signal TERM' TERM
    cmd_start
    # CMD runs in the background so that a signal to this script is handled at once.
    "$@" <&0 &
    CHILD=$!
    set +e
    wait "$CHILD"
    rc=$?
    set -e
    CHILD=
    log "command exited $rc"
    exit "$rc"
}

case ${1:-} in
    start) cmd_start ;;
    stop) cmd_stop ;;
    status) cmd_status ;;
    run) shift; cmd_run "$@" ;;
    *) echo "usage: $0 start|stop|status|run -- CMD..." >&2; exit 2 ;;
esac
