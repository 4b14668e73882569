{{/*
Chart name, truncated to 63 characters (DNS label).
*/}}
{{- define "wuye.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Fully qualified app name: <release>-<chart>, or the release name if it already contains the chart name.
*/}}
{{- define "wuye.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/*
Name of a component resource: <fullname>-<component>, kept within 63 characters.
Usage: include "wuye.componentName" (dict "root" . "component" "web")
*/}}
{{- define "wuye.componentName" -}}
{{- $max := int (sub 62 (len .component)) }}
{{- printf "%s-%s" (include "wuye.fullname" .root | trunc $max | trimSuffix "-") .component }}
{{- end }}

{{/*
Chart label value.
*/}}
{{- define "wuye.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Common labels.
*/}}
{{- define "wuye.labels" -}}
helm.sh/chart: {{ include "wuye.chart" . }}
app.kubernetes.io/name: {{ include "wuye.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ (.Values.image.tag | default .Chart.AppVersion) | trunc 63 | trimSuffix "-" | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: wuye
{{- end }}

{{/*
Common labels plus the component label.
Usage: include "wuye.componentLabels" (dict "root" . "component" "web")
*/}}
{{- define "wuye.componentLabels" -}}
{{ include "wuye.labels" .root }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{/*
Selector labels (immutable on Deployments: never add to these).
Usage: include "wuye.selectorLabels" (dict "root" . "component" "web")
*/}}
{{- define "wuye.selectorLabels" -}}
app.kubernetes.io/name: {{ include "wuye.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{/*
ServiceAccount of the web and worker pods.
*/}}
{{- define "wuye.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "wuye.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/*
ServiceAccount of the hook Jobs. A chart-created ServiceAccount does not exist yet
when pre-install hooks run, so it is never used here.
*/}}
{{- define "wuye.hookServiceAccountName" -}}
{{- if .Values.serviceAccount.hookServiceAccountName }}
{{- .Values.serviceAccount.hookServiceAccountName }}
{{- else if .Values.serviceAccount.create }}
{{- "default" }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/*
Container image reference (digest wins over tag).
*/}}
{{- define "wuye.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion) }}
{{- end }}
{{- end }}

{{/*
Name of the Secret the long-running pods read.
*/}}
{{- define "wuye.secretName" -}}
{{- if .Values.secret.existingSecret }}
{{- .Values.secret.existingSecret }}
{{- else }}
{{- include "wuye.fullname" . }}
{{- end }}
{{- end }}

{{/*
Name of the Secret the pre-install/pre-upgrade migration Job reads. A chart-created
Secret is an ordinary release resource and does not exist yet during pre-install,
so the chart renders a short-lived hook copy for the Job.
*/}}
{{- define "wuye.migrationSecretName" -}}
{{- if .Values.secret.existingSecret }}
{{- .Values.secret.existingSecret }}
{{- else }}
{{- include "wuye.componentName" (dict "root" . "component" "migrate") }}
{{- end }}
{{- end }}

{{/*
Secret data (base64), shared by the Secret and its hook copy. Fails early when a
required value is missing.
*/}}
{{- define "wuye.secretData" -}}
{{- $s := .Values.secret -}}
{{ $s.keys.databaseUrl }}: {{ required "secret.databaseUrl is required (or set secret.existingSecret)" $s.databaseUrl | b64enc | quote }}
{{ $s.keys.migrateDatabaseUrl }}: {{ required "secret.migrateDatabaseUrl is required (or set secret.existingSecret)" $s.migrateDatabaseUrl | b64enc | quote }}
{{ $s.keys.redisUrl }}: {{ required "secret.redisUrl is required (or set secret.existingSecret)" $s.redisUrl | b64enc | quote }}
{{ $s.keys.secretKey }}: {{ required "secret.secretKey is required (or set secret.existingSecret)" $s.secretKey | b64enc | quote }}
{{ $s.keys.encryptionKeys }}: {{ required "secret.encryptionKeys is required (or set secret.existingSecret)" $s.encryptionKeys | b64enc | quote }}
{{- end }}

{{/*
Environment shared by every wuye container.
Usage: include "wuye.env" (dict "root" . "secretName" "x" "migrate" false)
"migrate" true adds WUYE_MIGRATE_DATABASE_URL (the table owner): Jobs only, never the app pods.
*/}}
{{- define "wuye.env" -}}
{{- $v := .root.Values -}}
- name: WUYE_ENV
  value: {{ $v.config.env | quote }}
- name: WUYE_LOG_LEVEL
  value: {{ $v.config.logLevel | quote }}
- name: WUYE_PROXY_HOPS
  value: {{ $v.config.proxyHops | int | quote }}
- name: WUYE_HSTS_SECONDS
  value: {{ $v.config.hstsSeconds | default 0 | int | quote }}
{{- if $v.config.publicUrl }}
- name: WUYE_PUBLIC_URL
  value: {{ $v.config.publicUrl | quote }}
{{- end }}
- name: WUYE_DATABASE_URL
  valueFrom:
    secretKeyRef:
      name: {{ .secretName }}
      key: {{ $v.secret.keys.databaseUrl }}
{{- if .migrate }}
- name: WUYE_MIGRATE_DATABASE_URL
  valueFrom:
    secretKeyRef:
      name: {{ .secretName }}
      key: {{ $v.secret.keys.migrateDatabaseUrl }}
{{- end }}
- name: WUYE_REDIS_URL
  valueFrom:
    secretKeyRef:
      name: {{ .secretName }}
      key: {{ $v.secret.keys.redisUrl }}
- name: WUYE_SECRET_KEY
  valueFrom:
    secretKeyRef:
      name: {{ .secretName }}
      key: {{ $v.secret.keys.secretKey }}
- name: WUYE_ENCRYPTION_KEYS
  valueFrom:
    secretKeyRef:
      name: {{ .secretName }}
      key: {{ $v.secret.keys.encryptionKeys }}
{{- with $v.extraEnv }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/*
Pod annotations: checksum of the chart-created Secret (so pods restart when it
changes), shared annotations, then component annotations.
Usage: include "wuye.podAnnotations" (dict "root" . "extra" .Values.web.podAnnotations)
*/}}
{{- define "wuye.podAnnotations" -}}
{{- if not .root.Values.secret.existingSecret }}
checksum/secret: {{ include "wuye.secretData" .root | sha256sum }}
{{- end }}
{{- with .root.Values.podAnnotations }}
{{ toYaml . }}
{{- end }}
{{- with .extra }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/*
Pod-level fields shared by every pod: service account, pull secrets, security context,
priority class and scheduling (component values win over the shared ones).
Usage: include "wuye.podCommon" (dict "root" . "component" .Values.web "serviceAccountName" "x")
*/}}
{{- define "wuye.podCommon" -}}
{{- $v := .root.Values }}
{{- $c := .component | default dict -}}
serviceAccountName: {{ .serviceAccountName }}
automountServiceAccountToken: {{ $v.serviceAccount.automountServiceAccountToken }}
{{- /* No docker-link env vars: a Service named "wuye" would inject WUYE_PORT etc. */}}
enableServiceLinks: false
{{- with $v.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with $v.podSecurityContext }}
securityContext:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with $v.priorityClassName }}
priorityClassName: {{ . }}
{{- end }}
{{- with ($c.nodeSelector | default $v.nodeSelector) }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with ($c.tolerations | default $v.tolerations) }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with ($c.affinity | default $v.affinity) }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}

{{/*
The writable /tmp volume.
*/}}
{{- define "wuye.tmpVolume" -}}
- name: tmp
  emptyDir:
    {{- with .Values.tmpVolume.medium }}
    medium: {{ . }}
    {{- end }}
    {{- with .Values.tmpVolume.sizeLimit }}
    sizeLimit: {{ . }}
    {{- end }}
{{- end }}

{{/*
PodDisruptionBudget spec body: minAvailable when set, else maxUnavailable.
*/}}
{{- define "wuye.pdbSpec" -}}
{{- $min := "" }}
{{- if not (kindIs "invalid" .minAvailable) }}{{ $min = toString .minAvailable }}{{ end }}
{{- $max := "" }}
{{- if not (kindIs "invalid" .maxUnavailable) }}{{ $max = toString .maxUnavailable }}{{ end }}
{{- if ne $min "" }}
minAvailable: {{ if regexMatch "^[0-9]+$" $min }}{{ $min }}{{ else }}{{ $min | quote }}{{ end }}
{{- else if ne $max "" }}
maxUnavailable: {{ if regexMatch "^[0-9]+$" $max }}{{ $max }}{{ else }}{{ $max | quote }}{{ end }}
{{- else }}
{{- fail "podDisruptionBudget: set minAvailable or maxUnavailable" }}
{{- end }}
{{- end }}

{{/*
HPA metrics.
*/}}
{{- define "wuye.hpaMetrics" -}}
{{- if not (or .targetCPUUtilizationPercentage .targetMemoryUtilizationPercentage) }}
{{- fail "autoscaling: set targetCPUUtilizationPercentage and/or targetMemoryUtilizationPercentage" }}
{{- end }}
metrics:
  {{- with .targetCPUUtilizationPercentage }}
  - type: Resource
    resource:
      name: cpu
      target:
        type: Utilization
        averageUtilization: {{ . }}
  {{- end }}
  {{- with .targetMemoryUtilizationPercentage }}
  - type: Resource
    resource:
      name: memory
      target:
        type: Utilization
        averageUtilization: {{ . }}
  {{- end }}
{{- end }}
