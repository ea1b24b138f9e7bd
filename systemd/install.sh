#!/bin/bash
# hallq install / upgrade for Raspberry Pi OS Bookworm and Debian 12.
#
#   sudo systemd/install.sh [options]
#
# Run it from the source tree (a git clone or an unpacked release tarball).
# Running it again upgrades in place: the code and the units are replaced,
# the database is migrated, and the hall file, the settings in /etc/hallq
# and the data in /var/lib/hallq are kept as they are. (One exception: the
# backup settings of /etc/hallq/backup.env, used up to hallq 0.1, move into
# the hall file's [backup] table once; backup.env becomes backup.env.migrated.)
#
# Options:
#   --screen PAGE       enable a Chromium kiosk screen on the desktop:
#                       kiosk, board, query, caller or manager (repeatable)
#   --screen-user USER  the desktop's auto-login user who shows the screens
#                       (default: the auto-login user, else $SUDO_USER)
#   --board             enable the pygame call board on HDMI (Pi without desktop)
#   --no-bridge         do not enable the serial bridge (no serial devices)
#   --screen-only       a Pi that only shows screens of a hub elsewhere: just the
#                       Chromium screens (set HALLQ_HUB_URL in /etc/hallq/screen.env)
#   --public-url URL    the address phones use for the ticket QR codes
#                       (first install only; default http://<this Pi's IP>:8080)
#   --wheels DIR        install Python packages offline from DIR (pip --no-index)
#   --python PY         the Python that makes the venv (default python3)
# For tests and image builds (no root needed with --destdir):
#   --destdir DIR       install into DIR as the root (or DESTDIR=DIR)
#   --no-apt            do not install Debian packages
#   --no-systemctl      do not enable, start or reload anything
#   --no-user           do not create the hallq user or chown files
#                       (implied by --destdir: the target system makes its own user)
#   --no-pip            do not create or update the venv; use $HALLQ_BIN
#                       (default DIR/opt/hallq/venv/bin/hallq) for the steps
#                       that run hallq (hall file, database migration)
set -euo pipefail

SRC=$(cd "$(dirname "$0")/.." && pwd)
D=${DESTDIR:-}
APT=1 SYSTEMCTL=1 MKUSER=1 PIP=1 BOARD=0 BRIDGE=1 HUB=1
SCREENS=() SCREEN_USER="" PUBLIC_URL="" WHEELS="" PY=python3

say() { printf '==> %s\n' "$*"; }
die() { printf '错误：%s\n' "$*" >&2; exit 1; }

while [ $# -gt 0 ]; do
  case $1 in
    --destdir) D=${2:?--destdir DIR}; shift ;;
    --destdir=*) D=${1#*=} ;;
    --no-apt) APT=0 ;;
    --no-systemctl) SYSTEMCTL=0 ;;
    --no-user) MKUSER=0 ;;
    --no-pip) PIP=0 ;;
    --board) BOARD=1 ;;
    --no-bridge) BRIDGE=0 ;;
    --screen-only) HUB=0 PIP=0 BRIDGE=0 ;;
    --screen) SCREENS+=("${2:?--screen PAGE}"); shift ;;
    --screen-user) SCREEN_USER=${2:?--screen-user USER}; shift ;;
    --public-url) PUBLIC_URL=${2:?--public-url URL}; shift ;;
    --wheels) WHEELS=${2:?--wheels DIR}; shift ;;
    --python) PY=${2:?--python PY}; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) die "不认识的选项 $1（见 --help）" ;;
  esac
  shift
done

D=${D%/}
if [ -n "$D" ]; then
  mkdir -p "$D"; D=$(cd "$D" && pwd)
  MKUSER=0  # users and owners belong to the target system: never touch this machine's
elif [ "$(id -u)" != 0 ]; then
  die "请用 root 运行：sudo $0"
fi
if [ -n "$WHEELS" ]; then WHEELS=$(cd "$WHEELS" && pwd) || die "找不到 --wheels 目录"; fi
cd /  # the hallq user runs steps below and cannot read root's home
for page in ${SCREENS[@]+"${SCREENS[@]}"}; do
  case $page in kiosk|board|query|caller|manager) ;; *) die "--screen 只能是 kiosk、board、query、caller、manager：$page" ;; esac
done
[ -f "$SRC/setup.cfg" ] && [ -d "$SRC/hub" ] || die "$SRC 不是 hallq 源码目录"

OPT=$D/opt/hallq VENV=$D/opt/hallq/venv ETC=$D/etc/hallq VAR=$D/var/lib/hallq
DB=/var/lib/hallq/hallq.db
HALLQ=${HALLQ_BIN:-$VENV/bin/hallq}
UPGRADE=0; [ -f "$D$DB" ] && UPGRADE=1

as_hallq() {  # run a hallq step as the hallq user, so the files it makes are the hub's
  if [ "$MKUSER" = 1 ] && [ -z "$D" ]; then runuser -u hallq -- "$@"; else "$@"; fi
}
own() {  # own USER:GROUP MODE PATH...
  local owner=$1 mode=$2; shift 2
  chmod "$mode" "$@"
  if [ "$MKUSER" = 1 ]; then chown "$owner" "$@"; fi
}

# 1. Debian packages ---------------------------------------------------------------
if [ "$APT" = 1 ]; then
  say "安装 Debian 软件包"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  browser=chromium
  if ! apt-cache show chromium >/dev/null 2>&1; then browser=chromium-browser; fi
  # CJK fonts for the pages and the board; ALSA/SDL for the pygame board and
  # sound; sqlite3 for the technician. espeak-ng is not needed: the voice
  # clips ship ready in sounds/.
  apt-get install -y -qq --no-install-recommends \
    python3 python3-venv python3-pip ca-certificates curl sqlite3 \
    fonts-wqy-microhei fonts-noto-cjk alsa-utils libsdl2-2.0-0 "$browser"
fi

# 2. the hallq user -----------------------------------------------------------------
if [ "$MKUSER" = 1 ]; then
  if ! getent passwd hallq >/dev/null; then
    say "创建系统用户 hallq"
    useradd --system --user-group --home-dir /var/lib/hallq --no-create-home \
      --shell /usr/sbin/nologin --comment "hallq hall queue" hallq
  fi
  for group in dialout video audio render input lp; do
    if getent group "$group" >/dev/null; then usermod -a -G "$group" hallq; fi
  done
fi

# 3. directories ---------------------------------------------------------------------
mkdir -p "$OPT/bin" "$ETC" "$VAR" "$VAR/backups" "$D/usr/local/bin" \
  "$D/etc/systemd/system" "$D/etc/systemd/user" "$D/etc/udev/rules.d" "$D/etc/systemd/journald.conf.d"
# /etc/hallq is readable by all (the desktop user's screens read screen.env);
# the hall file with the device keys is not (0640 root:hallq)
own root:hallq 0755 "$ETC"
own hallq:hallq 0750 "$VAR" "$VAR/backups"

# 4. the code: a copy of the source, installed into the venv ---------------------------
say "复制程序到 /opt/hallq/src"
rm -rf "$OPT/src.new"
mkdir -p "$OPT/src.new"
# what the Pi needs: the packages, the hall template, the voice clips, the
# docs and these scripts (not the tests, caches or a developer's venv)
ship=()
for item in hub kiosk caller display firmware_bridge config sounds systemd docs \
            setup.cfg pyproject.toml README.md MANIFEST.in LICENSE; do
  if [ -e "$SRC/$item" ]; then ship+=("$item"); fi
done
tar -C "$SRC" --exclude='__pycache__' --exclude='*.pyc' --exclude='*.egg-info' --exclude='.*' \
  -cf - "${ship[@]}" | tar -C "$OPT/src.new" -xf -
rm -rf "$OPT/src"
mv "$OPT/src.new" "$OPT/src"
rm -rf "$OPT/docs"
cp -r "$OPT/src/docs" "$OPT/docs" 2>/dev/null || mkdir -p "$OPT/docs"
install -m 0755 "$SRC/systemd/bin/hallq-screen" "$OPT/bin/hallq-screen"

if [ "$PIP" = 1 ]; then
  if [ ! -x "$VENV/bin/python" ]; then
    say "创建 Python 虚拟环境 /opt/hallq/venv"
    "$PY" -m venv "$VENV"
  fi
  say "安装 hallq 及其依赖到虚拟环境"
  pip_args=(--disable-pip-version-check --quiet)
  if [ -n "$WHEELS" ]; then pip_args+=(--no-index --find-links "$WHEELS"); fi
  if [ -n "${HALLQ_PIP_ARGS:-}" ]; then read -r -a extra <<<"$HALLQ_PIP_ARGS"; pip_args+=("${extra[@]}"); fi
  # a local directory is always rebuilt and reinstalled, so an upgrade with
  # the same version number still replaces the code
  "$VENV/bin/python" -m pip install "${pip_args[@]}" "$OPT/src"
fi
if [ "$HUB" = 1 ]; then
  [ -x "$HALLQ" ] || die "找不到 $HALLQ（--no-pip 时请设置 HALLQ_BIN）"
  ln -sfn /opt/hallq/venv/bin/hallq "$D/usr/local/bin/hallq"
fi

# 5. settings in /etc/hallq: written once, never overwritten ------------------------------
if [ "$HUB" = 0 ]; then
  : # a screen-only Pi has no hall file: the hub has it
elif [ ! -e "$ETC/hall.toml" ]; then
  if [ -z "$PUBLIC_URL" ]; then
    ip=$(hostname -I 2>/dev/null | awk '{print $1}')
    PUBLIC_URL=http://${ip:-127.0.0.1}:8080
  fi
  say "生成大厅配置 /etc/hallq/hall.toml（演示大厅为模板，设备密钥重新随机生成）"
  "$HALLQ" init-hall "$ETC/hall.toml" --public-url "$PUBLIC_URL"
  own root:hallq 0640 "$ETC/hall.toml"
else
  say "保留已有的 /etc/hallq/hall.toml"
fi
for env in board bridge screen; do
  if [ ! -e "$ETC/$env.env" ]; then
    install -m 0644 "$SRC/systemd/etc/$env.env" "$ETC/$env.env"
  fi
done

# backup.env (hallq 0.1: HALLQ_BACKUP_DIR, HALLQ_BACKUP_KEEP for the timer) -> the
# hall file's [backup], where the hub shows it and `hallq backup` reads it
migrate_backup_env() {
  local env=$ETC/backup.env hall=$ETC/hall.toml dir keep
  if grep -Eq '^[[:space:]]*\[backup\]' "$hall"; then
    say "/etc/hallq/hall.toml 已有 [backup]：不再使用 backup.env"
  else
    dir=$(sed -n 's/^[[:space:]]*HALLQ_BACKUP_DIR=//p' "$env" | tail -n 1 | tr -d "\"'")
    keep=$(sed -n 's/^[[:space:]]*HALLQ_BACKUP_KEEP=//p' "$env" | tail -n 1 | tr -d "\"' ")
    dir=${dir:-/var/backups/hallq}
    case $keep in ''|*[!0-9]*) keep=14 ;; esac
    case $dir in *\\*) say "backup.env 的目录写法不常见，请手动在 hall.toml 写 [backup]"; return 0 ;; esac
    cp -p "$hall" "$hall.before-backup-migration"
    printf '\n# 每日备份（由 install.sh 从 /etc/hallq/backup.env 迁移而来，含义见 docs/config.md）\n[backup]\ndir = "%s"\nkeep = %s\nat = "18:30"\n' \
      "$dir" "$keep" >>"$hall"
    if ! "$HALLQ" check-config "$hall" >/dev/null 2>&1; then
      mv "$hall.before-backup-migration" "$hall"
      say "未能把 backup.env 迁入 hall.toml（hall.toml 本身有错误？请运行 hallq check-config），backup.env 暂时保留"
      return 0
    fi
    rm -f "$hall.before-backup-migration"
    say "备份设置已从 backup.env 迁入 /etc/hallq/hall.toml 的 [backup]：dir = \"$dir\"，keep = $keep"
  fi
  mv "$env" "$env.migrated"
}
if [ "$HUB" = 1 ] && [ -f "$ETC/backup.env" ] && [ -f "$ETC/hall.toml" ]; then
  migrate_backup_env
fi

# 6. units, udev rules, journald limits ----------------------------------------------------
say "安装 systemd 服务、udev 规则、日志上限"
for unit in hallq-hub.service hallq-bridge.service hallq-board.service hallq-backup.service hallq-backup.timer; do
  install -m 0644 "$SRC/systemd/$unit" "$D/etc/systemd/system/$unit"
done
install -m 0644 "$SRC/systemd/user/hallq-screen@.service" "$D/etc/systemd/user/hallq-screen@.service"
install -m 0644 "$SRC/systemd/udev/61-hallq-serial.rules" "$D/etc/udev/rules.d/61-hallq-serial.rules"
install -m 0644 "$SRC/systemd/etc/journald-hallq.conf" "$D/etc/systemd/journald.conf.d/hallq.conf"
local_rules=$D/etc/udev/rules.d/62-hallq-local.rules
if [ "$HUB" = 1 ] && [ ! -e "$local_rules" ] && [ -z "$D" ] && "$HALLQ" serial-ports | grep -q '^/dev/'; then
  say "为已连接的 USB 串口适配器写入固定名称 /dev/hallq-rs485-N"
  "$HALLQ" serial-ports --udev >"$local_rules"
fi

if [ ${#SCREENS[@]} -gt 0 ]; then
  if [ -z "$SCREEN_USER" ]; then
    SCREEN_USER=$(sed -n 's/^autologin-user=//p' "$D/etc/lightdm/lightdm.conf" 2>/dev/null | tail -n 1 || true)
    SCREEN_USER=${SCREEN_USER:-${SUDO_USER:-}}
  fi
  dropin=$D/etc/systemd/user/hallq-screen@.service.d
  mkdir -p "$dropin"
  if [ -n "$SCREEN_USER" ]; then  # only the desktop user shows screens, not every login
    printf '[Unit]\nConditionUser=%s\n' "$SCREEN_USER" >"$dropin/user.conf"
  fi
fi

# 7. the database: stop the hub, migrate, start again ------------------------------------
live() { [ "$SYSTEMCTL" = 1 ] && [ -z "$D" ]; }
if [ "$HUB" = 1 ]; then
  if live; then systemctl stop hallq-hub.service 2>/dev/null || true; fi
  if [ "$UPGRADE" = 1 ]; then say "升级数据库 $DB（数据保留）"; else say "创建数据库 $DB"; fi
  as_hallq "$HALLQ" migrate --db "$D$DB"
  if [ "$MKUSER" = 1 ]; then chown hallq:hallq "$D$DB"*; fi
fi

# 8. enable and (re)start --------------------------------------------------------------------
units=()  # enabled now; a unit enabled by an earlier run stays enabled
if [ "$HUB" = 1 ]; then units+=(hallq-hub.service hallq-backup.timer); fi
if [ "$BRIDGE" = 1 ]; then units+=(hallq-bridge.service); fi
if [ "$BOARD" = 1 ]; then units+=(hallq-board.service); fi
screens=()
for page in ${SCREENS[@]+"${SCREENS[@]}"}; do screens+=("hallq-screen@$page.service"); done
if [ "$SYSTEMCTL" = 1 ]; then
  if [ -n "$D" ]; then
    [ ${#units[@]} -eq 0 ] || systemctl --root="$D" enable "${units[@]}" 2>/dev/null
    [ ${#screens[@]} -eq 0 ] || systemctl --root="$D" --global enable "${screens[@]}" 2>/dev/null
  else
    systemctl daemon-reload
    systemctl restart systemd-journald || true
    udevadm control --reload && udevadm trigger --subsystem-match=tty --subsystem-match=usb || true
    [ ${#units[@]} -eq 0 ] || systemctl enable "${units[@]}"
    [ ${#screens[@]} -eq 0 ] || systemctl --global enable "${screens[@]}"
    # (re)start every enabled hallq service, so an upgrade runs the new code
    for unit in hallq-hub.service hallq-bridge.service hallq-board.service; do
      if systemctl is-enabled --quiet "$unit"; then systemctl restart "$unit"; fi
    done
    if systemctl is-enabled --quiet hallq-backup.timer; then systemctl start hallq-backup.timer; fi
  fi
fi

if [ "$UPGRADE" = 1 ]; then say "升级完成，数据已保留。"; else say "安装完成。"; fi
cat <<EOF
    大厅配置:  /etc/hallq/hall.toml   （改完运行: hallq check-config /etc/hallq/hall.toml）
    数据库:    /var/lib/hallq/hallq.db
    每日备份:  hall.toml 的 [backup]（目录、保留份数、时间）
    页面:      http://<本机地址>:8080/   （/kiosk 取号 · /board 综合屏 · /caller 窗口 · /manager 管理）
    状态:      hallq status   ·   日志: journalctl -u hallq-hub -f
EOF
