{{/* Names and labels shared by every template. */}}

{{- define "chat.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "chat.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* Name of a component's objects: chat.componentName (dict "root" $ "component" "gateway") */}}
{{- define "chat.componentName" -}}
{{- printf "%s-%s" (include "chat.fullname" .root) .component | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "chat.selectorLabels" -}}
app.kubernetes.io/name: {{ include "chat.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "chat.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version | replace "+" "_" }}
{{ include "chat.selectorLabels" . }}
app.kubernetes.io/part-of: {{ include "chat.name" .root }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
{{- end -}}

{{/* Image of ours: chat.image (dict "root" $ "image" .image) -> [registry/]repository:tag */}}
{{- define "chat.image" -}}
{{- $g := .root.Values.global -}}
{{- $tag := .image.tag | default $g.imageTag | default .root.Chart.AppVersion -}}
{{- $repo := .image.repository -}}
{{- if $g.imageRegistry -}}{{- $repo = printf "%s/%s" (trimSuffix "/" $g.imageRegistry) $repo -}}{{- end -}}
{{- if hasPrefix "sha256:" $tag -}}
{{- printf "%s@%s" $repo $tag -}}
{{- else -}}
{{- printf "%s:%s" $repo $tag -}}
{{- end -}}
{{- end -}}

{{- define "chat.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "chat.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* In-cluster Kafka and MongoDB unless external ones are given. */}}
{{- define "chat.kafka.internal" -}}
{{- if not .Values.kafka.brokers -}}true{{- end -}}
{{- end -}}
{{- define "chat.mongodb.internal" -}}
{{- if not (or .Values.mongodb.uri .Values.mongodb.existingSecret) -}}true{{- end -}}
{{- end -}}

{{- define "chat.kafka.brokers" -}}
{{- if include "chat.kafka.internal" . -}}
{{- printf "%s-0.%s-headless.%s.svc:9092" (include "chat.componentName" (dict "root" . "component" "kafka")) (include "chat.componentName" (dict "root" . "component" "kafka")) .Release.Namespace -}}
{{- else -}}
{{- .Values.kafka.brokers -}}
{{- end -}}
{{- end -}}

{{/* KAFKA_PARTITIONS: key=count pairs, sorted so the rendering is stable. */}}
{{- define "chat.kafka.partitions" -}}
{{- $parts := list -}}
{{- range $k, $v := .Values.kafka.partitions -}}
{{- $parts = append $parts (printf "%s=%d" $k (int $v)) -}}
{{- end -}}
{{- join "," $parts -}}
{{- end -}}

{{/* Whether the in-cluster MongoDB gives each service a user of its own. */}}
{{- define "chat.mongodb.perService" -}}
{{- if and (include "chat.mongodb.internal" .) .Values.mongodb.perServiceUsers -}}true{{- end -}}
{{- end -}}

{{/* The services with their own MongoDB user (files/mongodb-access.json). */}}
{{- define "chat.mongodb.owners" -}}
{{- $access := .Files.Get "files/mongodb-access.json" | fromJson -}}
{{- $names := list -}}
{{- range $name, $_ := $access }}{{ if ne $name "//" }}{{ $names = append $names $name }}{{ end }}{{ end -}}
{{- join " " (sortAlpha $names) -}}
{{- end -}}

{{/* The Secret holding each service's Kafka password under the service's name. */}}
{{- define "chat.kafka.usersSecretName" -}}
{{- .Values.kafka.auth.existingSecret | default (printf "%s-kafka-users" (include "chat.fullname" .)) -}}
{{- end -}}

{{/* The services that sign in to Kafka: every service of the platform (files/kafka-access.json). */}}
{{- define "chat.kafka.principals" -}}
{{- $access := .Files.Get "files/kafka-access.json" | fromJson -}}
{{- $names := list -}}
{{- range $name, $_ := $access }}{{ if ne $name "//" }}{{ $names = append $names $name }}{{ end }}{{ end -}}
{{- join " " (sortAlpha $names) -}}
{{- end -}}

{{/* The Secret and key the services read MONGO_URL from. */}}
{{- define "chat.mongodb.secretName" -}}
{{- if .Values.mongodb.existingSecret -}}
{{- .Values.mongodb.existingSecret -}}
{{- else -}}
{{- include "chat.componentName" (dict "root" . "component" "mongodb") -}}
{{- end -}}
{{- end -}}
{{- define "chat.mongodb.secretKey" -}}
{{- if .Values.mongodb.existingSecret -}}{{- .Values.mongodb.existingSecretKey -}}{{- else -}}uri{{- end -}}
{{- end -}}

{{- define "chat.jwt.secretName" -}}
{{- if .Values.jwt.existingSecret -}}
{{- .Values.jwt.existingSecret -}}
{{- else -}}
{{- include "chat.componentName" (dict "root" . "component" "jwt") -}}
{{- end -}}
{{- end -}}
{{- define "chat.jwt.secretKey" -}}
{{- if .Values.jwt.existingSecret -}}{{- .Values.jwt.existingSecretKey -}}{{- else -}}jwt-secret{{- end -}}
{{- end -}}

{{/* Browser origins for the gateway: config.corsOrigins, or https://<host> of every public host. */}}
{{- define "chat.corsOrigins" -}}
{{- if .Values.config.corsOrigins -}}
{{- join "," .Values.config.corsOrigins -}}
{{- else -}}
{{- $hosts := list -}}
{{- if .Values.ingress.enabled -}}{{- $hosts = concat $hosts .Values.ingress.hosts -}}{{- end -}}
{{- if .Values.httpRoute.enabled -}}{{- $hosts = concat $hosts .Values.httpRoute.hostnames -}}{{- end -}}
{{- $origins := list -}}
{{- range (uniq $hosts) -}}{{- $origins = append $origins (printf "https://%s" .) -}}{{- end -}}
{{- join "," $origins -}}
{{- end -}}
{{- end -}}

{{/* A value kept across upgrades: the key of an existing Secret, else a new random one.
     chat.keptSecret (dict "root" $ "name" "secret-name" "key" "k" "length" 48) */}}
{{- define "chat.keptSecret" -}}
{{- $existing := lookup "v1" "Secret" .root.Release.Namespace .name -}}
{{- if and $existing $existing.data (hasKey $existing.data .key) -}}
{{- index $existing.data .key | b64dec -}}
{{- else -}}
{{- randAlphaNum (int .length) -}}
{{- end -}}
{{- end -}}

{{/* Scheduling settings shared by every workload. */}}
{{- define "chat.scheduling" -}}
{{- with .Values.global.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.global.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.global.affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.global.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}

{{/* Files: the in-cluster SeaweedFS unless objectStorage.endpoint names a store. */}}
{{- define "chat.objectStorage.internal" -}}
{{- if not .Values.objectStorage.endpoint -}}true{{- end -}}
{{- end -}}
{{- define "chat.objectStorage.endpoint" -}}
{{- if include "chat.objectStorage.internal" . -}}
{{- printf "http://%s:8333" (include "chat.componentName" (dict "root" . "component" "seaweedfs")) -}}
{{- else -}}
{{- .Values.objectStorage.endpoint -}}
{{- end -}}
{{- end -}}
{{/* The Secret with the store's access key: the given one, or the chart's for the in-cluster store. */}}
{{- define "chat.objectStorage.secretName" -}}
{{- if .Values.objectStorage.existingSecret -}}
{{- .Values.objectStorage.existingSecret -}}
{{- else if include "chat.objectStorage.internal" . -}}
{{- include "chat.componentName" (dict "root" . "component" "seaweedfs") -}}
{{- end -}}
{{- end -}}
{{- define "chat.media.secretName" -}}
{{- if .Values.media.existingSecret -}}
{{- .Values.media.existingSecret -}}
{{- else -}}
{{- include "chat.componentName" (dict "root" . "component" "media-url") -}}
{{- end -}}
{{- end -}}
{{- define "chat.media.secretKey" -}}
{{- if .Values.media.existingSecret -}}{{- .Values.media.existingSecretKey -}}{{- else -}}media-url-secret{{- end -}}
{{- end -}}
