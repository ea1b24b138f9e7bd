#!/bin/bash
# hallq uninstall: stops and removes the services, the units and the code.
# The hall's data stays unless --purge: /etc/hallq (hall file, keys,
# settings), /var/lib/hallq (the database), /var/backups/hallq, the
# hallq user and the local serial names (62-hallq-local.rules).
#
#   sudo systemd/uninstall.sh [--purge [--yes]]
#
# Options: --purge (also delete the data: asks on a terminal unless --yes),
# --destdir DIR, --no-systemctl, --no-user (as for install.sh).
set -euo pipefail

D=${DESTDIR:-}
PURGE=0 YES=0 SYSTEMCTL=1 MKUSER=1
say() { printf '==> %s\n' "$*"; }
die() { printf '错误：%s\n' "$*" >&2; exit 1; }

while [ $# -gt 0 ]; do
  case $1 in
    --purge) PURGE=1 ;;
    --yes) YES=1 ;;
    --destdir) D=${2:?--destdir DIR}; shift ;;
    --destdir=*) D=${1#*=} ;;
    --no-systemctl) SYSTEMCTL=0 ;;
    --no-user) MKUSER=0 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) die "不认识的选项 $1（见 --help）" ;;
  esac
  shift
done
D=${D%/}
if [ -n "$D" ]; then
  [ -d "$D" ] || die "目录不存在：$D"
  D=$(cd "$D" && pwd)
  MKUSER=0  # users and owners belong to the target system: never touch this machine's
elif [ "$(id -u)" != 0 ]; then
  die "请用 root 运行：sudo $0"
fi

if [ "$PURGE" = 1 ] && [ "$YES" = 0 ]; then
  [ -t 0 ] || die "--purge 会删除数据库和大厅配置：不在终端上运行时请加 --yes"
  printf '将删除数据库 /var/lib/hallq、大厅配置 /etc/hallq 和备份 /var/backups/hallq。输入 yes 确认：'
  read -r answer
  [ "$answer" = yes ] || die "已取消"
fi

units=(hallq-hub.service hallq-bridge.service hallq-board.service hallq-backup.service hallq-backup.timer)
screens=()
for link in "$D"/etc/systemd/user/default.target.wants/hallq-screen@*.service; do
  if [ -L "$link" ]; then screens+=("$(basename "$link")"); fi
done

if [ "$SYSTEMCTL" = 1 ]; then
  say "停止并禁用服务"
  if [ -n "$D" ]; then
    systemctl --root="$D" disable "${units[@]}" 2>/dev/null || true
    [ ${#screens[@]} -eq 0 ] || systemctl --root="$D" --global disable "${screens[@]}" 2>/dev/null || true
  else
    systemctl disable --now "${units[@]}" 2>/dev/null || true
    [ ${#screens[@]} -eq 0 ] || systemctl --global disable "${screens[@]}" 2>/dev/null || true
  fi
fi

say "删除程序、服务文件和规则"
for unit in "${units[@]}"; do
  rm -f "$D/etc/systemd/system/$unit"
  rm -f "$D"/etc/systemd/system/*.wants/"$unit"
done
rm -f "$D/etc/systemd/user/hallq-screen@.service" "$D"/etc/systemd/user/*.wants/hallq-screen@*.service
rm -rf "$D/etc/systemd/user/hallq-screen@.service.d"
rm -f "$D/etc/udev/rules.d/61-hallq-serial.rules" "$D/etc/systemd/journald.conf.d/hallq.conf"
rm -rf "$D/opt/hallq"
if [ -L "$D/usr/local/bin/hallq" ]; then rm -f "$D/usr/local/bin/hallq"; fi

if [ "$PURGE" = 1 ]; then
  say "删除数据：数据库、大厅配置、备份、hallq 用户"
  rm -rf "$D/etc/hallq" "$D/var/lib/hallq" "$D/var/backups/hallq"
  rm -f "$D/etc/udev/rules.d/62-hallq-local.rules"
  if [ "$MKUSER" = 1 ] && getent passwd hallq >/dev/null; then userdel hallq || true; fi
else
  say "数据已保留：/etc/hallq  /var/lib/hallq  /var/backups/hallq（彻底删除请加 --purge）"
fi
if [ "$SYSTEMCTL" = 1 ] && [ -z "$D" ]; then
  systemctl daemon-reload
  udevadm control --reload || true
fi
say "已卸载 hallq"
