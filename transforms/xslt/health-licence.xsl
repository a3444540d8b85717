<?xml version="1.0" encoding="UTF-8"?>
<!--
  health (区卫生计生委): its licensing system exports the national 双公示 template (2019 field
  codes) as <ROWS><ROW>...</ROW></ROWS>, one ROW per message. This stylesheet turns that row into
  the unified administrative_licence record. Code values (XK_XKLB, XK_XDR_ZJLX, XK_FR_ZJLX) are
  copied as sent; the code tables in transforms/sources/health.yaml translate them afterwards.

  Field codes (national template) -> unified field:
    XK_XDR_MC    行政相对人名称                  party.name
    XK_XDR_LB    行政相对人类别                  party.category
    XK_XDR_SHXYM 行政相对人代码_1 统一社会信用代码 party.credit_code
    XK_XDR_GSZC  行政相对人代码_2 工商注册号      party.registration_number
    XK_XDR_ZZJG  行政相对人代码_3 组织机构代码    party.organisation_code
    XK_XDR_SWDJ  行政相对人代码_4 税务登记号      party.tax_number
    XK_XDR_SYDW  行政相对人代码_5 事业单位证书号  party.institution_certificate
    XK_XDR_SHZZ  行政相对人代码_6 社会组织登记证号 party.social_org_certificate
    XK_FRDB      法定代表人                      party.legal_representative
    XK_FR_ZJLX   法定代表人证件类型              party.legal_representative_id_type
    XK_FR_ZJHM   法定代表人证件号码              party.legal_representative_id_number
    XK_XDR_ZJLX  证件类型                        party.id_type
    XK_XDR_ZJHM  证件号码                        party.id_number
    XK_XKWS      行政许可决定文书名称            decision_document_name
    XK_WSH       行政许可决定文书号              decision_document_number
    XK_XKLB      许可类别                        licence_category
    XK_XKZS      许可证书名称                    certificate_name
    XK_XKBH      许可编号                        licence_number
    XK_NR        许可内容                        content
    XK_JDRQ      许可决定日期                    decision_date
    XK_YXQZ      有效期自                        valid_from
    XK_YXQZI     有效期至                        valid_to
    XK_XKJG      许可机关                        authority
    XK_XKJGDM    许可机关统一社会信用代码        authority_credit_code
    XK_ZT        当前状态                        status
    XK_LYDW      数据来源单位                    data_source
    XK_LYDWDM    数据来源单位统一社会信用代码    data_source_credit_code
    XK_BZ / BZ   备注 (implementations use both names) remarks
  Penalties use the CF_ equivalents (CF_XDR_MC ... CF_XDR_ZJHM, CF_FRDB, CF_FR_ZJLX, CF_FR_ZJHM,
  CF_WSH, CF_WFXW, CF_SY, CF_YJ, CF_CFLB, CF_NR, CF_NR_FK, CF_NR_WFFF, CF_NR_ZKDX, CF_JDRQ, CF_YXQ,
  CF_GSJZQ, CF_CFJG, CF_CFJGDM, CF_SJLY, CF_SJLYDM); health sends no penalties in this layout.

  Anything the stylesheet cannot map is refused, never dropped: a document that is not one ROW,
  a column not in the table, or a column given twice stops the transform with a message.
-->
<xsl:stylesheet version="1.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns="urn:supervision-hub:standard:1">
  <xsl:output method="xml" encoding="UTF-8"/>

  <xsl:variable name="known" select="concat(
      ' XK_XDR_MC XK_XDR_LB XK_XDR_SHXYM XK_XDR_GSZC XK_XDR_ZZJG XK_XDR_SWDJ XK_XDR_SYDW',
      ' XK_XDR_SHZZ XK_FRDB XK_FR_ZJLX XK_FR_ZJHM XK_XDR_ZJLX XK_XDR_ZJHM XK_XKWS XK_WSH',
      ' XK_XKLB XK_XKZS XK_XKBH XK_NR XK_JDRQ XK_YXQZ XK_YXQZI XK_XKJG XK_XKJGDM XK_ZT',
      ' XK_LYDW XK_LYDWDM XK_BZ BZ ')"/>

  <xsl:template match="/">
    <xsl:if test="not(/ROWS) or count(/ROWS/ROW) != 1 or count(/ROWS/*) != 1">
      <xsl:message terminate="yes">expected &lt;ROWS&gt; holding exactly one &lt;ROW&gt;</xsl:message>
    </xsl:if>
    <xsl:for-each select="/ROWS/ROW/*">
      <xsl:if test="not(contains($known, concat(' ', name(), ' ')))">
        <xsl:message terminate="yes">unknown column <xsl:value-of select="name()"/></xsl:message>
      </xsl:if>
      <xsl:if test="preceding-sibling::*[name() = name(current())]">
        <xsl:message terminate="yes">column <xsl:value-of select="name()"/> given twice</xsl:message>
      </xsl:if>
      <xsl:if test="*">
        <xsl:message terminate="yes">column <xsl:value-of select="name()"/> holds elements</xsl:message>
      </xsl:if>
    </xsl:for-each>
    <xsl:if test="/ROWS/ROW/XK_BZ and /ROWS/ROW/BZ">
      <xsl:message terminate="yes">XK_BZ and BZ both given; send the remark once</xsl:message>
    </xsl:if>
    <xsl:apply-templates select="/ROWS/ROW"/>
  </xsl:template>

  <xsl:template match="ROW">
    <administrative_licence schema_version="1.0">
      <party>
        <name><xsl:value-of select="XK_XDR_MC"/></name>
        <category><xsl:value-of select="XK_XDR_LB"/></category>
        <credit_code><xsl:value-of select="XK_XDR_SHXYM"/></credit_code>
        <registration_number><xsl:value-of select="XK_XDR_GSZC"/></registration_number>
        <organisation_code><xsl:value-of select="XK_XDR_ZZJG"/></organisation_code>
        <tax_number><xsl:value-of select="XK_XDR_SWDJ"/></tax_number>
        <institution_certificate><xsl:value-of select="XK_XDR_SYDW"/></institution_certificate>
        <social_org_certificate><xsl:value-of select="XK_XDR_SHZZ"/></social_org_certificate>
        <legal_representative><xsl:value-of select="XK_FRDB"/></legal_representative>
        <legal_representative_id_type><xsl:value-of select="XK_FR_ZJLX"/></legal_representative_id_type>
        <legal_representative_id_number><xsl:value-of select="XK_FR_ZJHM"/></legal_representative_id_number>
        <id_type><xsl:value-of select="XK_XDR_ZJLX"/></id_type>
        <id_number><xsl:value-of select="XK_XDR_ZJHM"/></id_number>
      </party>
      <decision_document_name><xsl:value-of select="XK_XKWS"/></decision_document_name>
      <decision_document_number><xsl:value-of select="XK_WSH"/></decision_document_number>
      <licence_category><xsl:value-of select="XK_XKLB"/></licence_category>
      <certificate_name><xsl:value-of select="XK_XKZS"/></certificate_name>
      <licence_number><xsl:value-of select="XK_XKBH"/></licence_number>
      <content><xsl:value-of select="XK_NR"/></content>
      <decision_date><xsl:value-of select="XK_JDRQ"/></decision_date>
      <valid_from><xsl:value-of select="XK_YXQZ"/></valid_from>
      <valid_to><xsl:value-of select="XK_YXQZI"/></valid_to>
      <authority><xsl:value-of select="XK_XKJG"/></authority>
      <authority_credit_code><xsl:value-of select="XK_XKJGDM"/></authority_credit_code>
      <status><xsl:value-of select="XK_ZT"/></status>
      <data_source><xsl:value-of select="XK_LYDW"/></data_source>
      <data_source_credit_code><xsl:value-of select="XK_LYDWDM"/></data_source_credit_code>
      <remarks><xsl:value-of select="XK_BZ | BZ"/></remarks>
    </administrative_licence>
  </xsl:template>
</xsl:stylesheet>
